"""Which language a request is answered in, and the switcher that changes it.

- A page has one address per language: /incidents/ is English, /fr/incidents/ French, whoever
  asks, so a shared link shows what its sender saw.
- A visitor who arrives at an English address while preferring French (chosen with the
  switcher, remembered in a cookie; otherwise the browser's Accept-Language) is sent to the
  French address of the same page, and the other way round never happens: English is the
  address without a prefix, which a visitor who chose English stays on.
- The JSON APIs (/api/…, /acled-api/…, /ucdp-api/…) have no language in their address: their
  field names and values never change, and their messages are English unless the request's
  Accept-Language asks for French. Only the header counts there, not the switcher's cookie, so
  a script gets the same messages as the browser it was tried in.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import get_script_prefix, is_valid_path, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation.trans_real import get_language_from_request, parse_accept_lang_header

API_PREFIXES = ("/api/", "/acled-api/", "/ucdp-api/")


class SiteLanguage(LocaleMiddleware):
    """Django's LocaleMiddleware (Content-Language, Vary) with the choice described above."""

    def process_request(self, request):
        path = request.path_info
        language = translation.get_language_from_path(path)
        if language is None and path.startswith(API_PREFIXES):
            language = language_asked_in_header(request)
        elif language is None:
            language = settings.LANGUAGE_CODE
            french_address = french_address_for(request)
            if french_address:
                translation.activate(language)
                request.LANGUAGE_CODE = language
                return _redirect_by_preference(french_address)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        path = request.path_info
        if not translation.get_language_from_path(path) and not path.startswith(API_PREFIXES):
            # The same English address is a redirect for a visitor whose cookie chose French.
            patch_vary_headers(response, ("Cookie",))
        return response


def language_asked_in_header(request):
    """The first language of Accept-Language this site speaks, else English."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    spoken = {code for code, _name in settings.LANGUAGES}
    for code, _quality in parse_accept_lang_header(header):
        code = code.split("-")[0].lower()
        if code in spoken:
            return code
    return settings.LANGUAGE_CODE


def french_address_for(request):
    """The /fr/ address of this English page when its visitor prefers another language (the
    switcher's cookie, else Accept-Language) and the page exists there; else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    preferred = get_language_from_request(request, check_path=False)
    if preferred == settings.LANGUAGE_CODE:
        return None
    prefixed = f"/{preferred}{request.path_info}"
    # A /fr/ address resolves only while French is active (Django's LocalePrefixPattern).
    with translation.override(preferred):
        if not is_valid_path(prefixed, getattr(request, "urlconf", None)):
            return None
    query = request.META.get("QUERY_STRING", "")
    return f"{get_script_prefix().rstrip('/')}{prefixed}" + (f"?{query}" if query else "")


def _redirect_by_preference(address):
    response = HttpResponseRedirect(address)
    # The answer depends on the cookie and the header: a shared cache must not give it to all.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def choose_language(request, language):
    """/language/<code>/?next=<address>: remember the visitor's language and show the page
    they were on in it. A plain link (GET): a preference, like the page's own address, that
    changes nothing but the language the visitor reads in."""
    spoken = dict(settings.LANGUAGES)
    if language not in spoken:
        language = settings.LANGUAGE_CODE
    next_address = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_address, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_address = "/"
    # translate_url resolves the address in the language it is written in, then names it in the
    # one chosen.
    with translation.override(translation.get_language_from_path(next_address.split("?")[0])):
        response = HttpResponseRedirect(translate_url(next_address, language))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
