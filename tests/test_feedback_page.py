"""feedback.html (autograder.feedback_page) and its heatmaps (autograder.heatmap): self-contained, the
diagnosis first, one example per kind of failure, and no horizontal scroll at 390 and 1200 pixels in a real
browser (headless Chromium, Debian's `chromium` package)."""
import dataclasses
import html
import json
import re
import shutil
import subprocess

import pytest
import torch
from helpers import compose

from autograder import feedback_page, heatmap, report
from autograder.grade import grade
from autograder.report import Result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LONG = "conv2d_forward(x, weight, bias, stride=(2, 3), padding=(1, 0)): " + "x" * 300  # one unbroken word


def test_a_tensor_wrong_on_its_border_shows_as_a_frame():
    expected = torch.zeros(2, 3, 6, 6, dtype=torch.float64)
    got = expected.clone()
    got[1, 2, 0, :] = got[1, 2, -1, :] = got[1, 2, :, 0] = got[1, 2, :, -1] = 1.0
    found = heatmap.difference({"out": got}, {"out": expected}, (1e-7, 1e-10), "conv2d_forward(x, w)")
    assert found["tensor"] == "conv2d_forward(x, w)['out']" and found["index"] == [1, 2]
    assert found["wrong"] == [[1] * 6] + [[1, 0, 0, 0, 0, 1]] * 4 + [[1] * 6]
    assert heatmap.difference(got, got.clone(), (1e-7, 1e-10)) == {}
    assert heatmap.difference(torch.zeros(40, 50), torch.ones(40, 50), (0, 0))["shape"] == [40, 50]
    assert len(heatmap.difference(torch.zeros(40, 50), torch.ones(40, 50), (0, 0))["cells"]) == heatmap.MAX_CELLS
    picture = heatmap.svg(found)
    assert picture.count("<rect") == 36 and picture.count('stroke="#222"') == 20


def _result(convolution, show=True) -> Result:
    expected = torch.zeros(1, 1, 4, 4)
    got = expected.clone()
    got[0, 0, :, ::2] = 1.0
    picture = heatmap.difference(got, expected, (1e-4, 1e-5), "out")
    diagnosis = {"entry": "conv_stride_ignored", "mistake": "ignores the stride", "fix": "Step by SH and SW.",
                 "matched": 3, "failed": 3}
    tests = [report.TestResult(f"conv2d_forward: test_forward[{i}]", "conv2d_forward", 0.0, 10.0, False,
                        f"{LONG}: 4 of 16 values differ (got 1, expected 0)", diagnosis=diagnosis,
                        heatmap=picture if i == 0 else {}) for i in range(3)]
    tests.append(report.TestResult("conv2d_backward: t", "conv2d_backward", 40.0, 40.0, True))
    assignment = dataclasses.replace(convolution, show_hidden_details=show)
    return Result(assignment, "student", tests=tests)


def test_nan_and_inf_are_drawn_as_the_largest_error():
    """A submission that returns nan or inf (an attacker's, or an overflow) still gets a page: such cells are
    the darkest, and the data stays finite so results.json stays strict JSON."""
    expected = torch.zeros(4, 4, dtype=torch.float64)
    got = expected.clone()
    got[0, 0], got[1, 1], got[2, 2] = float("nan"), float("inf"), 1.0
    found = heatmap.difference(got, expected, (1e-7, 1e-10))
    json.dumps(found, allow_nan=False)
    page = heatmap.svg(found)
    darkest = re.findall(r'fill="(#[0-9a-f]{6})"', page)
    assert darkest[0] == darkest[5] == "#67000d" and darkest[10] != "#67000d", darkest
    assert heatmap.svg(heatmap.difference(torch.full((3, 3), float("nan")), torch.zeros(3, 3), (1e-5, 1e-8)))


def test_the_page_puts_the_diagnosis_first_and_stands_alone(convolution):
    page = feedback_page.render(_result(convolution))
    assert not re.search(r"<script|<link|https?://|@import|src=", page)
    section = page[page.index('<section class="failing">'):]
    assert section.index("known mistake") < section.index("<pre>") < section.index("<svg")
    assert "your code ignores the stride." in section and "Step by SH and SW." in section
    assert section.count("<pre>") == 1 and "2 more failed the same way" in section  # one example per kind
    assert 'style="width:0.0%"' in page and 'style="width:100.0%"' in page  # a bar per part
    assert page.count('<section class="failing">') == 1  # the passing parts have no section


def test_withheld_details_keep_only_the_diagnosis(convolution):
    page = feedback_page.render(_result(convolution, show=False))
    assert "details withheld" in page and "ignores the stride" in page
    assert "<svg" not in page and "values differ" not in page


def _probe(pages: dict[str, str], tmp_path) -> dict:
    """Load each page in an iframe of its width (Chromium's headless window is at least 500 px wide) and
    measure its document's width and the elements that scroll sideways."""
    frames = "".join(f'<iframe id="{key}" style="width:{key.split("-")[0]}px;height:900px;border:0" '
                     f'srcdoc="{html.escape(page, quote=True)}"></iframe>' for key, page in pages.items())
    script = ("<script>addEventListener('load',()=>{const out={};for(const f of document.querySelectorAll('iframe'))"
              "{const d=f.contentDocument,w=f.contentWindow;let inner=0;for(const e of d.querySelectorAll('body *'))"
              "{if(e.scrollWidth>e.clientWidth+1&&w.getComputedStyle(e).overflowX!=='visible'&&e.clientWidth>0)"
              "inner++;}out[f.id]={page:d.documentElement.scrollWidth,view:w.innerWidth,inner};}"
              "document.body.setAttribute('data-probe',JSON.stringify(out));});</script>")
    host = tmp_path / "host.html"
    host.write_text(f"<!DOCTYPE html><html><body style='margin:0'>{frames}{script}</body></html>")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=2400,1000",
                          "--virtual-time-budget=5000", "--dump-dom", host.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)")
def test_a_failing_submissions_page_fits_a_phone_and_a_laptop(convolution, tmp_path):
    flipped = compose(convolution, convolution.hidden_dir / "catalogue" / "wrong" / "conv_stride_ignored",
                      tmp_path / "stride")
    [result] = grade(convolution, [flipped], tmp_path / "out", jobs=1)
    page = (tmp_path / "out" / "stride" / "feedback.html").read_text()
    assert result.diagnosis("conv2d_forward") and "<svg" in page
    made_up = feedback_page.render(_result(convolution))  # an unbroken 300-character word in every message
    unwrapped = f"<!DOCTYPE html><html><body><pre>{LONG * 3}</pre></body></html>"  # the probe must see this
    found = _probe({"390-graded": page, "1200-graded": page, "390-long": made_up, "1200-long": made_up,
                    "390-unwrapped": unwrapped}, tmp_path)
    for key in ("390-graded", "1200-graded", "390-long", "1200-long"):
        assert found[key]["page"] <= found[key]["view"] and found[key]["inner"] == 0, (key, found[key])
    assert found["390-unwrapped"]["page"] > found["390-unwrapped"]["view"]
