"""Photos, voice notes, videos and large files in the page, on the real
stack: uploaded, sent as a message with an attachment, and shown to the
other person from media fetched with the bearer token."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Route, expect

from tests.browser.conftest import People
from tests.browser.person import Person
from tests.support import media_files

DEADLINE_SECONDS = 30


def wait_for(element: Locator, check: str) -> Any:
    """Until ``check`` (a function of the element) is truthy."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not (found := element.evaluate(check)):
        assert time.monotonic() < deadline, f"not in time: {check}"
        element.page.wait_for_timeout(100)
    return found


def chatting(people: People) -> tuple[Person, Person]:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ben.open_conversation(ann.handle)
    return ann, ben


def last_message(person: Person) -> Locator:
    return person.page.locator(".message").last


def test_a_photo_is_sent_and_shows_as_a_loaded_thumbnail_that_opens_in_a_lightbox(
    people: People, screenshots: Path
) -> None:
    ann, ben = chatting(people)
    ann.composer.fill("the view from here")
    ann.attach("view.jpg", "image/jpeg", media_files.jpeg_with_gps())
    thumbnail = ben.message("the view from here").get_by_role("img", name="Photo")
    expect(thumbnail).to_be_visible()
    assert wait_for(thumbnail, "image => image.complete && image.naturalWidth") == 320
    assert thumbnail.evaluate("image => image.src").startswith("blob:")

    opener = ben.message("the view from here").get_by_role("button", name="Open photo")
    opener.focus()
    ben.page.keyboard.press("Enter")
    full = ben.page.get_by_role("dialog", name="Photo").get_by_role("img")
    assert wait_for(full, "image => image.complete && image.naturalWidth") == 1200
    ben.page.keyboard.press("Escape")
    expect(ben.page.get_by_role("dialog", name="Photo")).to_have_count(0)
    expect(opener).to_be_focused()
    ben.page.screenshot(path=screenshots / "conversation-photo.png")


def test_a_recorded_voice_note_reaches_the_other_as_a_playable_audio_attachment(
    people: People,
) -> None:
    ann, ben = chatting(people)
    record = ann.page.get_by_role("button", name="Record a voice note")
    record.click()
    stop = ann.page.get_by_role("button", name="Stop recording and send")
    expect(stop).to_have_attribute("aria-pressed", "true")
    recording = ann.page.get_by_role("status").filter(has_text="Recording")
    expect(recording).to_have_text(re.compile(r"Recording\u2026 0:0[1-9]"))  # a second or more
    stop.click()
    audio = last_message(ben).locator("audio")
    expect(audio).to_have_attribute("aria-label", "Voice note")
    assert wait_for(audio, "audio => audio.readyState >= 1 && audio.src.startsWith('blob:')")
    audio.evaluate("audio => audio.play()")
    assert wait_for(audio, "audio => audio.currentTime > 0")


def test_a_video_plays_in_the_other_persons_page(people: People, tmp_path: Path) -> None:
    ann, ben = chatting(people)
    ann.attach("clip.mp4", "video/mp4", media_files.mp4_video(tmp_path / "clip.mp4"))
    video = last_message(ben).locator("video")
    assert wait_for(video, "video => video.readyState >= 1 && video.videoWidth") == 640
    assert wait_for(video, "video => video.poster.startsWith('blob:')")
    video.evaluate("video => { video.muted = true; return video.play(); }")
    assert wait_for(video, "video => video.currentTime > 0")


def test_a_large_file_goes_through_tus_with_a_progress_bar(people: People) -> None:
    ann, ben = chatting(people)
    held: list[Route] = []

    def hold_the_second_chunk(route: Route) -> None:
        offset = route.request.headers.get("upload-offset")
        if route.request.method == "PATCH" and offset not in (None, "0"):
            held.append(route)
        else:
            route.continue_()

    ann.page.route("**/v1/uploads/*", hold_the_second_chunk)
    report = media_files.small_pdf() + b"%" + b"x" * (6 * 1024 * 1024)
    ann.attach("report.pdf", "application/pdf", report)
    progress = ann.page.get_by_role("progressbar", name="Upload progress")
    expect(progress).to_be_visible()
    expect(ann.page.get_by_text("Uploading report.pdf")).to_be_visible()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not held:
        assert time.monotonic() < deadline, "the second chunk never came"
        ann.page.wait_for_timeout(100)
    sent = progress.evaluate("bar => bar.value")
    assert 0.6 < sent < 1  # the first 4 MiB of 6
    held[0].continue_()
    download = last_message(ben).get_by_role("button", name="Download file (6.3 MB)")
    expect(download).to_be_visible()
    expect(progress).to_be_hidden()


def test_a_refused_file_is_explained_and_nothing_is_sent(people: People) -> None:
    ann, ben = chatting(people)
    ann.send("before")
    ann.attach("notes.txt", "text/plain", b"plain text is not a media type here")
    expect(ann.page.get_by_role("alert").filter(has_text="notes.txt was not sent")).to_be_visible()
    expect(last_message(ben)).to_contain_text("before")
