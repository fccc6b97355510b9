"""The integration API (``/api/v1/``): thin views that validate the request, call one service
(the same the pages call) and answer in JSON. Errors: see ``errors.py``."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from procedures.services.dossier import dossier_pay_online
from qms.core.uploads import sniff

from . import selectors, services
from .authentication import ApiTokenAuthentication
from .models import Scope
from .permissions import HasScope, StaffOrToken, client_of
from .serializers import (
    DossierStatusSerializer,
    DossierSubmitSerializer,
    ErrorSerializer,
    PaymentSerializer,
    ProcedureSerializer,
    result_available,
)

TAG_DOSSIERS = gettext_lazy("Hồ sơ")
TAG_PAYMENTS = gettext_lazy("Thanh toán")
TAG_RESULTS = gettext_lazy("Kết quả")
TAG_CATALOGUE = gettext_lazy("Danh mục thủ tục")

ERRORS = {
    400: gettext_lazy("Dữ liệu không hợp lệ: lỗi theo từng trường trong “errors”; không ghi gì."),
    401: gettext_lazy("Thiếu khóa truy cập, hoặc khóa sai, hết hạn, đã bị thu hồi."),
    403: gettext_lazy("Ứng dụng tích hợp không có phạm vi quyền cần thiết."),
    404: gettext_lazy("Cơ quan của ứng dụng không có hồ sơ với mã này trên Cổng."),
    409: gettext_lazy("Xung đột với tình trạng của hồ sơ; không ghi gì."),
    429: gettext_lazy("Vượt quá số yêu cầu cho phép; thử lại sau."),
}

REFERENCE = OpenApiParameter(
    "portal_reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=gettext_lazy("Mã hồ sơ trên Cổng dịch vụ công."),
    examples=[
        OpenApiExample("demo", summary=gettext_lazy("Hồ sơ trình diễn"), value="DVC-DEMO-0001")
    ],
)


def errors(*codes) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=ERRORS[code]) for code in codes}


class IntegrationView(APIView):
    """Base of the API's views: a token with the view's ``required_scope``, the client's
    throttle, JSON whatever the Accept header says."""

    required_scope: str | tuple | None = None
    permission_classes = [HasScope]
    renderer_classes = [JSONRenderer]
    throttle_scope = "integration"
    metadata_class = None  # no OPTIONS self-description: the OpenAPI schema is the contract

    @property
    def client(self):
        return client_of(self.request)

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    def get_dossier(self, portal_reference):
        dossier = selectors.client_dossier(client=self.client, portal_reference=portal_reference)
        if dossier is None:
            # Another agency's dossier is not found either: its existence is not shown.
            raise exceptions.NotFound(
                _("Không có hồ sơ mã “%(reference)s” của cơ quan.")
                % {"reference": portal_reference}
            )
        return dossier

    def dossier_response(self, dossier, code=status.HTTP_200_OK):
        fresh = selectors.client_dossier(
            client=self.client, portal_reference=dossier.portal_reference
        )
        return Response(DossierStatusSerializer(fresh).data, status=code)


class DossierSubmitView(IntegrationView):
    required_scope = Scope.DOSSIERS_SUBMIT
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="dossier_submit",
        tags=[TAG_DOSSIERS],
        summary=gettext_lazy("Nộp hồ sơ trực tuyến"),
        description=gettext_lazy(
            "Cổng dịch vụ công chuyển một hồ sơ nộp trực tuyến. Hồ sơ chờ công chức Bộ phận Một "
            "cửa kiểm tra và tiếp nhận (mã trạng thái quốc gia 1); số hồ sơ và ngày hẹn trả có "
            "sau khi tiếp nhận. Tệp của mỗi thành phần gửi trong trường mang mã thành phần (tp1, "
            "tp2…); tệp được kiểm tra theo nội dung (PDF, PNG, JPEG) và dung lượng. Gửi lại cùng "
            "portal_reference: trả về hồ sơ đã có (200), không tạo hồ sơ mới. Cần phạm vi quyền "
            "dossiers.submit."
        ),
        request={"multipart/form-data": DossierSubmitSerializer},
        responses={
            201: OpenApiResponse(
                DossierStatusSerializer, description=gettext_lazy("Đã nhận hồ sơ.")
            ),
            200: OpenApiResponse(
                DossierStatusSerializer,
                description=gettext_lazy("Hồ sơ có mã này đã được nộp trước đó; không ghi gì."),
            ),
            **errors(400, 401, 403, 409, 429),
        },
    )
    def post(self, request):
        client = self.client
        reference = str(request.data.get("portal_reference", "")).strip()
        existing = selectors.client_dossier(client=client, portal_reference=reference)
        if existing is not None:
            key = str(request.data.get("procedure", "")).strip()
            if key and key != existing.procedure_version.procedure.key:
                raise DjangoValidationError(
                    _(
                        "Mã hồ sơ “%(reference)s” trên Cổng dịch vụ công đã dùng cho một hồ sơ "
                        "của thủ tục khác."
                    )
                    % {"reference": reference},
                    code="conflict",
                )
            return self.dossier_response(existing)
        serializer = DossierSubmitSerializer(data=request.data, client=client, files=request.FILES)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dossier, created = services.dossier_submit_online_start(
            client=client,
            procedure=data["procedure"],
            applicant=serializer.applicant(),
            documents=data["documents"],
            portal_reference=data["portal_reference"],
            submitted_at=data.get("submitted_at"),
            delivery=data["delivery"],
        )
        return self.dossier_response(
            dossier, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DossierDetailView(IntegrationView):
    required_scope = Scope.DOSSIERS_READ

    @extend_schema(
        operation_id="dossier_status",
        tags=[TAG_DOSSIERS],
        summary=gettext_lazy("Tra cứu tình trạng hồ sơ"),
        description=gettext_lazy(
            "Trạng thái theo mã trạng thái quốc gia (1–10) và trạng thái nội bộ, số hồ sơ (khi đã "
            "tiếp nhận), thời điểm tiếp nhận, hạn giải quyết, thời điểm xử lý xong và trả kết "
            "quả, đúng hạn hay trễ hạn, các khoản phí, lệ phí. Chỉ hồ sơ của cơ quan của ứng "
            "dụng. Cần phạm vi quyền dossiers.read."
        ),
        parameters=[REFERENCE],
        responses={
            200: OpenApiResponse(
                DossierStatusSerializer, description=gettext_lazy("Tình trạng hồ sơ.")
            ),
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request, portal_reference):
        return Response(DossierStatusSerializer(self.get_dossier(portal_reference)).data)


class DossierPaymentView(IntegrationView):
    required_scope = Scope.PAYMENTS_WRITE
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="dossier_payment",
        tags=[TAG_PAYMENTS],
        summary=gettext_lazy("Ghi nhận thanh toán trực tuyến"),
        description=gettext_lazy(
            "Người nộp đã thanh toán trên Nền tảng thanh toán quốc gia toàn bộ các khoản phí, lệ "
            "phí còn phải nộp của hồ sơ (có sau khi hồ sơ được tiếp nhận). Số tiền phải khớp tổng "
            "còn phải nộp. Gửi lại cùng mã giao dịch: trả về kết quả đã ghi (200), không ghi lần "
            "thứ hai. Cần phạm vi quyền payments.write."
        ),
        parameters=[REFERENCE],
        request=PaymentSerializer,
        responses={
            201: OpenApiResponse(
                DossierStatusSerializer, description=gettext_lazy("Đã ghi nhận thanh toán.")
            ),
            200: OpenApiResponse(
                DossierStatusSerializer,
                description=gettext_lazy("Giao dịch này đã được ghi nhận trước đó; không ghi gì."),
            ),
            **errors(400, 401, 403, 404, 409, 429),
        },
    )
    def post(self, request, portal_reference):
        dossier = self.get_dossier(portal_reference)
        serializer = PaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _fees, created = dossier_pay_online(
            actor=request.user,
            dossier=dossier,
            transaction_number=data["transaction_number"],
            amount=data["amount"],
            at=data.get("paid_at"),
        )
        return self.dossier_response(
            dossier, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DossierResultView(IntegrationView):
    required_scope = Scope.RESULTS_READ

    @extend_schema(
        operation_id="dossier_result",
        tags=[TAG_RESULTS],
        summary=gettext_lazy("Tải kết quả giải quyết"),
        description=gettext_lazy(
            "Tệp kết quả (hoặc văn bản từ chối) đã phát hành của hồ sơ. Chưa phát hành, hoặc "
            "kết quả không có bản điện tử: 404. Cần phạm vi quyền results.read."
        ),
        parameters=[REFERENCE],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("Tệp kết quả.")
            ),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request, portal_reference):
        dossier = self.get_dossier(portal_reference)
        if not result_available(dossier):
            raise exceptions.NotFound(
                _("Hồ sơ %(reference)s chưa có kết quả điện tử đã phát hành.")
                % {"reference": portal_reference}
            )
        handle = dossier.result_file.open("rb")
        extension, content_type = sniff(handle) or ("bin", "application/octet-stream")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{dossier.code}-ket-qua.{extension}",
            content_type=content_type,
        )


class ProcedureListView(IntegrationView):
    required_scope = (Scope.DOSSIERS_SUBMIT, Scope.DOSSIERS_READ)

    @extend_schema(
        operation_id="procedure_list",
        tags=[TAG_CATALOGUE],
        summary=gettext_lazy("Danh mục thủ tục đang có hiệu lực"),
        description=gettext_lazy(
            "Các thủ tục của cơ quan có phiên bản đang có hiệu lực: khóa (dùng khi nộp hồ sơ), "
            "mã TTHC, thời hạn giải quyết, phí, lệ phí và thành phần hồ sơ với mã thành phần "
            "(tên trường tệp khi nộp). Cần phạm vi quyền dossiers.submit hoặc dossiers.read."
        ),
        responses={
            200: OpenApiResponse(
                ProcedureSerializer(many=True),
                description=gettext_lazy("Các thủ tục đang có hiệu lực."),
            ),
            **errors(401, 403, 429),
        },
    )
    def get(self, request):
        rows = [
            {"procedure": procedure, "version": version}
            for procedure, version in selectors.client_procedures(client=self.client)
        ]
        return Response(ProcedureSerializer(rows, many=True).data)


# --- OpenAPI schema and documentation ---------------------------------------------------------


class SchemaView(SpectacularAPIView):
    """The OpenAPI document is public: it describes the contract (no data), and the portal's
    developers and tools fetch it without a key."""

    authentication_classes = []
    permission_classes = [AllowAny]


class DocsAccessMixin:
    """Swagger UI and Redoc (interactive consoles) are for signed-in staff or a valid token; a
    browser without either is sent to the sign-in page."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [StaffOrToken]

    def handle_exception(self, exc):
        anonymous = isinstance(exc, exceptions.NotAuthenticated | exceptions.PermissionDenied)
        if anonymous and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SwaggerView(DocsAccessMixin, SpectacularSwaggerView):
    pass


class RedocView(DocsAccessMixin, SpectacularRedocView):
    pass
