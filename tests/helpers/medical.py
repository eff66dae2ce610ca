"""Settlement requests for tests (the hospitals' API body, docs/medical.md)."""


def settle_body(person, number="JS-0001", *, discharged="2019-07-15", admitted="2019-07-08",
                total=300000, scope=250000, insurance=175000) -> dict:  # fmt: skip
    return {
        "settlement_number": number,
        "id_number": person.id_number if hasattr(person, "id_number") else person,
        "admitted_on": admitted,
        "discharged_on": discharged,
        "bill": {"total_fen": total, "policy_scope_fen": scope, "insurance_paid_fen": insurance},
    }
