"""GraphiQL without internet: its JavaScript and CSS are served by the application itself.

A restaurant's server often sits on a LAN with a poor uplink. Strawberry's GraphiQL page
loads React, GraphiQL and the explorer plugin from unpkg.com; here the same files, vendored
from their npm packages into `restaurant_api/static/graphiql/` (pinned versions), are served
at ASSETS_PATH and the page points there. The page keeps its Subresource Integrity hashes,
so the browser still checks every file, and a test checks the served bytes against them.
The page's own script (queries over HTTP, subscriptions over graphql-transport-ws) is
unchanged.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from strawberry.http.ides import get_graphql_ide_html

ASSETS_DIR = Path(__file__).resolve().parents[1] / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"


@dataclass(frozen=True)
class Asset:
    """One vendored file: where Strawberry's page loads it from, and its pinned SRI hash."""

    name: str
    cdn_url: str
    integrity: str

    @property
    def media_type(self) -> str:
        return "text/css" if self.name.endswith(".css") else "text/javascript"


# From the npm packages react@18.2.0, react-dom@18.2.0, js-cookie@3.0.5, graphiql@3.8.3 and
# @graphiql/plugin-explorer@1.0.2 (`npm pack`); the hashes are the ones Strawberry's page pins.
ASSETS: tuple[Asset, ...] = (
    Asset(
        "react.production.min.js",
        "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom.production.min.js",
        "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "js.cookie.min.js",
        "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js",
        "sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN",
    ),
    Asset(
        "graphiql.min.css",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "plugin-explorer.css",
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
    Asset(
        "graphiql.min.js",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "plugin-explorer.umd.js",
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
)
_BY_NAME = {asset.name: asset for asset in ASSETS}


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def graphiql_html() -> str:
    """Strawberry's GraphiQL page with every CDN URL replaced by the local copy.

    Raises when the page references a URL that is not vendored (e.g. after a Strawberry
    upgrade), so the page can never silently depend on the internet again.
    """
    html = get_graphql_ide_html("graphiql")
    for asset in ASSETS:
        if asset.cdn_url not in html or asset.integrity not in html:
            raise RuntimeError(f"GraphiQL page no longer loads {asset.cdn_url}: re-vendor")
        html = html.replace(asset.cdn_url, f"{ASSETS_PATH}/{asset.name}")
    if "https://" in html.split("<script>")[0]:
        raise RuntimeError("GraphiQL page loads an asset that is not vendored")
    return html


def assets_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    contents = {asset.name: (ASSETS_DIR / asset.name).read_bytes() for asset in ASSETS}

    @router.get(ASSETS_PATH + "/{name}")
    async def graphiql_asset(name: str) -> Response:
        asset = _BY_NAME.get(name)
        if asset is None:
            raise HTTPException(404, "Not Found")
        # Versioned content: cache for a year.
        return Response(
            contents[name],
            media_type=asset.media_type,
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    return router
