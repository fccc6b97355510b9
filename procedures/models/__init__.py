from .catalogue import (
    DossierComponent,
    FeeItem,
    FormTemplate,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
    Regime,
    limit_in_days,
)
from .dossier import (
    Apology,
    Dossier,
    DossierDocument,
    DossierSequence,
    NationalStatus,
    SupplementRequest,
)

__all__ = [
    "Apology",
    "Dossier",
    "DossierComponent",
    "DossierDocument",
    "DossierSequence",
    "FeeItem",
    "FormTemplate",
    "NationalStatus",
    "Procedure",
    "ProcedureField",
    "ProcedureVersion",
    "ProcessStep",
    "Regime",
    "SupplementRequest",
    "limit_in_days",
]
