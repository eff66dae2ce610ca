"""Object permissions of the eldercare abilities (django-rules, autodiscovered).

Staff abilities need a jurisdiction, like the registry's; a provider's staff have none (they see
no registry record) and get only `eldercare.work_orders`, for their own provider's orders, which
the selectors enforce (`orders_of_provider_staff`)."""

import rules

from safetynet.accounts.rules import has_jurisdiction, role_in

from .abilities import ABILITIES


@rules.predicate
def is_provider_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and hasattr(user, "eldercare_staff"))


for _name in ABILITIES:
    if _name == "eldercare.work_orders":
        rules.add_perm(_name, is_provider_staff & role_in(_name))
    else:
        rules.add_perm(_name, has_jurisdiction & role_in(_name))
