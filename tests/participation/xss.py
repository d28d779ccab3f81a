"""Known XSS payloads, and a check that a rendered page carries none of them as live markup."""

from html.parser import HTMLParser

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[entity](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[colon](javascript&colon;alert(1))",
    "[vb](vbscript:msgbox(1))",
    "<a href=\"&#106;avascript:alert(1)\">entity link</a>",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![pic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[data](data:text/html,<script>alert(1)</script>)",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">XSS</text></a></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<details open ontoggle=alert(1)>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)//",
    "![x](x\" onerror=\"alert(1))",
    "<a href=\"http://ok.example\" onclick=\"alert(1)\">ok</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>go</button></form>",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
]
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "meta"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "srcset", "poster"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in DANGEROUS_TAGS and not (tag == "script" and (attributes.get("src") or "").startswith("/static/")) \
                and not (tag == "meta" and "http-equiv" not in attributes):
            self.problems.append(f"<{tag}> {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES:
                compact = "".join((value or "").split()).lower()
                if compact.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")


def live_markup(html: str) -> list[str]:
    """Every script-capable tag, event-handler attribute or dangerous URL in the page."""
    collector = _Collector()
    collector.feed(html)
    return collector.problems
