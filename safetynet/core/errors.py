"""The one error type services raise: a stable code the UI translates, and where it happened."""

from dataclasses import dataclass


@dataclass
class FieldProblem:
    """One problem with one input: which row (1-based, as a spreadsheet shows it), which field."""

    field: str
    message: str
    code: str
    row: int | None = None

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "message": str(self.message),
        }


class ServiceError(Exception):
    """A refused write; nothing was written (services run in one transaction)."""

    def __init__(self, code: str, message: str, problems: list[FieldProblem] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = problems or []


class NotFoundError(ServiceError):
    """Not there, or outside the actor's jurisdiction: deliberately indistinguishable."""

    def __init__(self, what: str = "object"):
        super().__init__("not_found", f"{what} not found")
