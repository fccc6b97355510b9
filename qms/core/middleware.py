from django.utils import translation


class UserLanguageMiddleware:
    """Show the interface in the language the signed-in user chose (Vietnamese by default).

    Runs after authentication; an anonymous visitor gets what LocaleMiddleware chose from the
    language cookie, or Vietnamese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
