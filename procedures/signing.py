"""What a leader's electronic signature on a dossier decision vouches for.

The signed content is the decision itself and what it rests on: the dossier's code, procedure
and version, the applicant and the request, the specialist's proposal and the leader's
decision with its comment. Later changes to any of these show the signature as no longer
valid; the steps after the decision (issue, return) do not touch them.
"""

from __future__ import annotations

from qms.core.models import Signature
from qms.core.signatures import changed_fields, signature_valid, signatures_of

from .models import Dossier, DossierOpinion, ProcedureVersion

PURPOSE_DECISION = "dossier.decision"
D = DossierOpinion.Decision
MEANINGS = {D.APPROVE: Signature.Meaning.APPROVED, D.REFUSE: Signature.Meaning.REFUSED}


def dossier_decision_content(
    dossier: Dossier, opinion: DossierOpinion, *, opinions=None, version=None
) -> dict:
    """The signed content of ``opinion`` (``opinions`` and ``version`` may be passed in,
    already loaded, to keep a page's query count fixed)."""
    if opinions is None:
        opinions = list(dossier.opinions.order_by("created_at", "id"))
    proposals = [
        o
        for o in opinions
        if o.decision in (D.PROPOSE_GRANT, D.PROPOSE_REFUSAL)
        and (o.created_at, o.pk) <= (opinion.created_at, opinion.pk)
    ]
    proposal = max(proposals, key=lambda o: (o.created_at, o.pk), default=None)
    version = version or dossier.procedure_version
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


def dossier_signatures(dossier: Dossier) -> list[dict]:
    """Each signature on the dossier with whether it still holds and, if not, what changed.
    Three queries whatever the number of signatures and opinions."""
    signatures = list(signatures_of(dossier).filter(purpose=PURPOSE_DECISION))
    opinions = list(dossier.opinions.order_by("created_at", "id"))
    version = ProcedureVersion.objects.select_related("procedure").get(
        pk=dossier.procedure_version_id
    )
    by_id = {o.pk: o for o in opinions}
    result = []
    for signature in signatures:
        opinion = by_id.get((signature.content or {}).get("opinion"))
        current = (
            dossier_decision_content(dossier, opinion, opinions=opinions, version=version)
            if opinion
            else {}
        )
        valid = bool(opinion) and signature_valid(signature, current)
        result.append(
            {
                "signature": signature,
                "valid": valid,
                "changed": [] if valid else changed_fields(signature, current),
            }
        )
    return result
