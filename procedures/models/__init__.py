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
    DossierOpinion,
    DossierSequence,
    NationalStatus,
    SupplementRequest,
)

__all__ = [
    "Apology",
    "Dossier",
    "DossierComponent",
    "DossierDocument",
    "DossierOpinion",
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
