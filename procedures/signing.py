"""What a leader's electronic signature on a dossier decision vouches for.

The signed content is the decision itself and what it rests on: the dossier's code, procedure
and version, the applicant and the request, the specialist's proposal and the leader's
decision with its comment. Later changes to any of these show the signature as no longer
valid; the steps after the decision (issue, return) do not touch them.
"""

from __future__ import annotations

from qms.core.models import Signature
from qms.core.signatures import changed_fields, signature_valid, signatures_of

from .models import Dossier, DossierOpinion

PURPOSE_DECISION = "dossier.decision"
D = DossierOpinion.Decision
MEANINGS = {D.APPROVE: Signature.Meaning.APPROVED, D.REFUSE: Signature.Meaning.REFUSED}


def dossier_decision_content(dossier: Dossier, opinion: DossierOpinion) -> dict:
    proposal = (
        dossier.opinions.filter(
            decision__in=[D.PROPOSE_GRANT, D.PROPOSE_REFUSAL], created_at__lte=opinion.created_at
        )
        .order_by("-created_at", "-id")
        .first()
    )
    version = dossier.procedure_version
    return {
        "dossier": dossier.code,
        "procedure": f"{version.procedure.code} {version.procedure.name}".strip(),
        "version": version.version,
        "applicant": dossier.applicant_name,
        "address": dossier.applicant_address,
        "summary": dossier.summary,
        "proposal": proposal.get_decision_display() if proposal else "",
        "proposal_comment": proposal.comment if proposal else "",
        "decision": opinion.decision,
        "comment": opinion.comment,
        "opinion": opinion.pk,
    }


def _decision_opinion(dossier: Dossier, signature: Signature):
    opinion_id = (signature.content or {}).get("opinion")
    return next((o for o in dossier.opinions.all() if o.pk == opinion_id), None)


def dossier_signatures(dossier: Dossier) -> list[dict]:
    """Each signature on the dossier with whether it still holds and, if not, what changed."""
    result = []
    for signature in signatures_of(dossier).filter(purpose=PURPOSE_DECISION):
        opinion = _decision_opinion(dossier, signature)
        current = dossier_decision_content(dossier, opinion) if opinion else {}
        valid = bool(opinion) and signature_valid(signature, current)
        result.append(
            {
                "signature": signature,
                "valid": valid,
                "changed": [] if valid else changed_fields(signature, current),
            }
        )
    return result
