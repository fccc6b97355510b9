"""What drf-spectacular cannot infer: the token scheme, and the component files of a
submission (one multipart field per component code, so not a fixed list of properties)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "workflows.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _(
                    "Khóa truy cập do quản trị hệ thống cấp cho ứng dụng tích hợp, gửi trong "
                    "tiêu đề: “Authorization: Token <khóa>”."
                )
            ),
        }


class DossierSubmitSchema(OpenApiSerializerExtension):
    target_class = "workflows.api.serializers.DossierSubmitSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = {
                **build_basic_type(OpenApiTypes.BINARY),
                "description": str(
                    _(
                        "Tệp của một thành phần hồ sơ (PDF, PNG hoặc JPEG), gửi trong trường "
                        "mang mã thành phần (tp1, tp2…, xem danh mục thủ tục)."
                    )
                ),
            }
        return schema
