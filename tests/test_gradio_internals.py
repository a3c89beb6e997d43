"""The Gradio internals the app leans on, checked directly so that a Gradio release that moves
one fails here by name instead of quietly changing the page or the API docs:

- app/api.py `_describe`: `gr.context.Context.root_block`, its `fns` (with `api_name`, `fn`,
  `inputs`, `outputs`) and a component's private `_api_info`, which must reach `get_api_info`;
- app/page.py `rewrite`: Gradio's page template (`lang="en"`, the og/twitter texts, `<head>`,
  the `window.gradio_api_info` script) and the login page's `"auth_required": true` config;
- app/web.py: `gradio.routes.App`, the mounted Gradio app it looks for.

The installed Gradio must also lie in the range pyproject.toml pins (the range tested)."""

from __future__ import annotations

import inspect
import os
import re

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import gradio_client  # noqa: E402
from packaging.requirements import Requirement  # noqa: E402

from conftest import ROOT  # noqa: E402


def _pinned(name: str) -> Requirement:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return next(r for r in map(Requirement, deps) if r.name.lower() == name)


def test_installed_gradio_is_in_the_pinned_range():
    for name, version in (("gradio", gr.__version__), ("gradio_client", gradio_client.__version__)):
        req = _pinned(name)
        assert req.specifier and req.specifier.contains(version), f"{name} {version} is outside {req} (pyproject.toml)"
        assert any(s.operator == "<" for s in req.specifier), f"{req}: an upper bound, since internals are patched"


def test_api_descriptions_reach_gradio_api_info():
    from namndsok.app.api import PARAMETERS, _describe

    def search(query: str, k: int = 20) -> list:
        return []

    with gr.Blocks() as demo:
        gr.api(search, api_name="search")
        _describe(gr, "search")
    params = demo.get_api_info()["named_endpoints"]["/search"]["parameters"]
    assert [p["label"] for p in params] == ["query", "k"]
    assert params[1]["type"]["additional_description"] == PARAMETERS["k"]
    assert params[1]["python_type"]["description"] == PARAMETERS["k"]


def test_page_rewrite_finds_what_it_replaces_in_gradios_page():
    from gradio.routes import templates

    from namndsok.app.page import rewrite

    # the login page's config as gradio.routes builds it when a login is required
    assert re.search(r'"auth_required":\s*True', inspect.getsource(gr.routes)), "gradio.routes no longer says auth_required"
    config = {"auth_required": True, "auth_message": None, "space_id": None, "root": "", "page": {"": {"layout": {}}},
              "pages": [""], "components": [], "dependencies": [], "current_page": ""}
    info = {"named_endpoints": {"/answer": {"parameters": []}}, "unnamed_endpoints": {}}
    page = templates.env.get_template("frontend/index.html").render(config=config, gradio_api_info=info, base_url="./")
    page = page.encode()
    for needle in (b'lang="en"', b'"auth_required":true', b'content="Gradio"', b"Click to try out the app!", b"<head>",
                   b"window.gradio_api_info = "):
        assert needle in page, f"Gradio's page no longer holds {needle!r}: app/page.py rewrite() must follow"
    out = rewrite(page, b"<!-- namndsok -->")
    assert b'lang="sv"' in out and b'lang="en"' not in out and b"Click to try out the app!" not in out
    assert b"/answer" not in out  # the API's description is not on the login page
    assert out.count(b"<!-- namndsok -->") == 1


def test_the_mounted_gradio_app_class():
    from gradio.routes import App

    assert inspect.isclass(App) and hasattr(App, "create_app")
