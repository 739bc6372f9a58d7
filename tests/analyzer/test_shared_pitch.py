"""One pitch tracker: the catalog's reference curve and the analyzer's are the same curve."""

from __future__ import annotations

import numpy as np
from yousync_audio import pitch

from tests.analyzer.helpers import fixture
from yousync_analyzer.audio.decode import as_array, decode
from yousync_analyzer.signal import pitch_track
from yousync_catalog.audio import decode_mono, pitch_contour


def test_catalog_and_analyzer_draw_the_same_curve() -> None:
    data = fixture("force/reference.opus.ogg")
    x = as_array(decode(data, 60))
    np.testing.assert_allclose(decode_mono(data), x, atol=1e-6)
    analyzer = pitch_track(x)
    catalog = pitch_contour(x, max_points=100_000)  # unthinned: one point per frame
    assert len(catalog) == len(analyzer.hz) > 100
    for point, t, hz in zip(catalog, pitch.track(x, 16_000).times(), analyzer.hz, strict=True):
        assert abs(point.time - t) < 1e-3
        assert (point.hz is None) == (hz == 0.0)
        if point.hz is not None:
            assert abs(point.hz - hz) <= 0.05
    voiced = np.asarray(analyzer.hz)[np.asarray(analyzer.hz) > 0]
    assert len(voiced) > 50 and voiced.min() >= pitch.PITCH_FLOOR and voiced.max() <= pitch.PITCH_CEILING
