"""docs/asyncapi.yaml: its prose, channels and operations are written by
hand; the schemas of the WebSocket frames are generated here from the
shapes the edge parses and builds (ws_edge.client_frames,
projections.frames), so the document cannot drift from the code.

``chatapp asyncapi`` rewrites the file; ``chatapp asyncapi --check`` exits 1
if it is not what the code says (a test runs the check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import yaml

from projections.frames import SERVER_FRAMES
from ws_edge.client_frames import CLIENT_FRAMES

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.yaml"
_REF = "#/components/schemas/{name}"
KAFKA_SCHEMAS = ("ConversationId", "CommandHeaders", "EventHeaders", "PresenceHeaders")


def generated(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every frame's payload and schema from the code."""
    frames = (*CLIENT_FRAMES, *SERVER_FRAMES)
    refs, components = msgspec.json.schema_components(frames, ref_template=_REF)
    messages = document["components"]["messages"]
    for frame, ref in zip(frames, refs, strict=True):
        messages[frame.__name__]["payload"] = ref
    kept = {name: document["components"]["schemas"][name] for name in KAFKA_SCHEMAS}
    document["components"]["schemas"] = {**kept, **components}
    return document


def render(document: dict[str, Any]) -> str:
    text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)
    return text


def main(check: bool) -> int:
    current = DOCUMENT.read_text(encoding="utf-8")
    wanted = render(generated(yaml.safe_load(current)))
    if check:
        if current != wanted:
            print(f"{DOCUMENT} is not what the code says: run `chatapp asyncapi`")
            return 1
        print(f"{DOCUMENT} matches the code")
        return 0
    DOCUMENT.write_text(wanted, encoding="utf-8")
    print(f"wrote {DOCUMENT}")
    return 0
