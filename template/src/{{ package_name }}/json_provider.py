"""The service's JSON, written by msgspec: Flask's provider with a faster encoder.

Every answer of the API is encoded here (`jsonify`, a view's dict or list, flask-smorest's
responses, the error bodies). With Python's `json`, encoding a page of 20 tasks took about
5% of a list request's instructions; with msgspec the whole request takes 5% fewer
(callgrind, in process). Reading JSON stays with Flask's provider (Python's `json`), and
with it the errors a malformed body gets.

The output is what Flask's provider writes in a response (compact, keys sorted as its
`sort_keys` says), with three differences: text is UTF-8 rather than `\\u` escapes,
exponents have no `+` (`1e16`), and a `datetime` or `date` handed over as is comes out in
ISO 8601 (as the schemas write them) rather than as an HTTP date. `dumps()` is compact too,
where Flask's adds spaces. A call with options of its own (`indent`, `separators`: the debug
mode's pretty printing, the OpenAPI document) and a dict whose keys are not all text, which
msgspec does not sort, are written by Flask's provider.
"""

from typing import Any, cast

import msgspec
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response  # the type Flask's provider declares


class MsgspecJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, encoding with msgspec (see the module's docstring)."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        # `default` turns what msgspec cannot encode into what it can, as Flask's does.
        self._sorted = msgspec.json.Encoder(enc_hook=self.default, order="sorted")
        self._in_order = msgspec.json.Encoder(enc_hook=self.default)

    def encode(self, obj: Any) -> bytes:
        """`obj` as compact JSON, keys sorted unless `sort_keys` is turned off."""
        encoder = self._sorted if self.sort_keys else self._in_order
        try:
            return encoder.encode(obj)
        except TypeError:  # keys that are not all text (or a type neither encoder knows)
            return super().dumps(obj, separators=(",", ":")).encode()

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """`obj` as JSON text; with options, as Flask's provider writes it."""
        if kwargs:
            return super().dumps(obj, **kwargs)
        return self.encode(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response, pretty-printed where Flask's would be (debug mode, `compact`)."""
        app = cast(Flask, self._app)  # Flask's provider holds its app as a plain `App`
        if (self.compact is None and app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        body = self.encode(self._prepare_response_obj(args, kwargs))
        return app.response_class(body + b"\n", mimetype=self.mimetype)
