"""GraphiQL works offline: its assets come from the application, integrity-checked."""

from __future__ import annotations

import re

from restaurant_api.api.playground import ASSETS, ASSETS_PATH, sri

# Pinned here too, independently of the module: a changed file must change this test.
# ruff: noqa: E501
PINNED = {
    "react.production.min.js": "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    "react-dom.production.min.js": "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    "js.cookie.min.js": "sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN",
    "graphiql.min.css": "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    "plugin-explorer.css": "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    "graphiql.min.js": "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "plugin-explorer.umd.js": "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
}


async def test_page_loads_only_local_assets_with_their_integrity(client):
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert external == []
    local = [s for s in sources if s.startswith(ASSETS_PATH)]
    assert sorted(s.rsplit("/", 1)[1] for s in local) == sorted(PINNED)
    for name, integrity in PINNED.items():
        assert f'{ASSETS_PATH}/{name}"\n      integrity="{integrity}"' in page.text, name
    assert "subscriptionUrl" in page.text  # subscriptions over the websocket, as before


async def test_served_assets_match_the_pinned_hashes(client):
    assert {asset.name: asset.integrity for asset in ASSETS} == PINNED
    for name, integrity in PINNED.items():
        response = await client.get(f"{ASSETS_PATH}/{name}")
        assert response.status_code == 200, name
        assert sri(response.content) == integrity, name
        expected = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(expected)
    assert (await client.get(f"{ASSETS_PATH}/../config.py")).status_code == 404
    assert (await client.get(f"{ASSETS_PATH}/nope.js")).status_code == 404
