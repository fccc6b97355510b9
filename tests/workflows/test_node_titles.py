"""Every node of every flow carries a Vietnamese title: viewflow would otherwise show its
English auto-title ("Transfer Timeout", "After Approval") on the process page, the task lists
and the audit trail."""

import pytest
from django.utils import translation

from workflows.capa_flow import CapaFlow
from workflows.document_flow import DocumentFlow
from workflows.flows import DossierFlow


@pytest.mark.parametrize("flow_class", [DossierFlow, CapaFlow, DocumentFlow])
def test_every_node_has_a_vietnamese_title(flow_class):
    untitled = []
    with translation.override("vi"):
        for node in flow_class.instance.nodes():
            automatic = node.name.replace("_", " ").title()
            title = str(node.task_title)
            if not title or title == automatic:
                untitled.append(node.name)
    assert untitled == []
