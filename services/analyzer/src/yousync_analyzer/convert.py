"""protobuf ⇄ domain, and nowhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync.common.v1 import common_pb2
from yousync_analyzer import domain as d


def message_from_proto(request: pb.AnalyzeRequest) -> d.Message:
    kind = request.WhichOneof("payload")
    if kind == "start":
        start = request.start
        ref = start.reference
        return d.Start(
            job_id=start.job_id,
            reference=d.ReferenceSpec(
                cache_key=ref.cache_key,
                text=ref.text,
                language=ref.language or "en",
                words=tuple(d.WordTiming(w.word, w.start_seconds, w.end_seconds) for w in ref.words),
            ),
            declared_format=d.AudioFormat(start.take.format),
            declared_size=start.take.size_bytes,
        )
    if kind == "reference_audio":
        return d.ReferenceChunk(request.reference_audio.data)
    if kind == "take_audio":
        return d.TakeChunk(request.take_audio.data)
    if kind == "end_of_input":
        return d.EndOfInput()
    raise d.ProtocolViolation("empty AnalyzeRequest")


async def messages_from_proto(requests: AsyncIterator[pb.AnalyzeRequest]) -> AsyncIterator[d.Message]:
    async for request in requests:
        yield message_from_proto(request)


def _points(points: Iterable[d.PitchPoint]) -> list[common_pb2.PitchPoint]:
    return [
        common_pb2.PitchPoint(time_seconds=p.time)
        if p.hz is None
        else common_pb2.PitchPoint(time_seconds=p.time, hz=p.hz)
        for p in points
    ]


def _features(f: d.ProsodyFeatures | None) -> pb.ExpressivenessFeatures | None:
    if f is None:
        return None
    return pb.ExpressivenessFeatures(
        pitch_range_semitones=f.pitch_range_semitones,
        energy_range_db=f.energy_range_db,
        speaking_rate_wps=f.speaking_rate_wps,
        pause_seconds=f.pause_seconds,
        duration_seconds=f.duration_seconds,
        pitch_movement_semitones=f.pitch_movement_semitones,
    )


def result_to_proto(r: d.AnalysisResult) -> pb.AnalysisResult:
    out = pb.AnalysisResult(
        model_version=r.model_version,
        verdict=pb.Verdict.Name(r.verdict.value),
        rerecord_reason=pb.RerecordReason.Name(r.rerecord_reason.value),
        scores=pb.Scores(
            pronunciation=r.scores.pronunciation,
            intonation=r.scores.intonation,
            expressiveness=r.scores.expressiveness,
            timing=r.scores.timing,
            overall=r.scores.overall,
            completeness=r.scores.completeness,
        ),
        quality=pb.QualityReport(
            speech_fraction=r.quality.speech_fraction,
            snr_db=r.quality.snr_db,
            clipped_fraction=r.quality.clipped_fraction,
            duration_seconds=r.quality.duration,
            voiced_fraction=r.quality.voiced_fraction,
        ),
        feedback=list(r.feedback),
        recognized_text=r.recognized_text,
        detected_format=common_pb2.AudioFormat.Name(r.detected_format.value),
    )
    for w in r.words:
        word = out.words.add(
            word=w.word,
            index=w.index,
            status=w.status.value,
            score=w.score,
            reference_start_seconds=w.reference_start,
            reference_end_seconds=w.reference_end,
            on_time=w.on_time,
        )
        if w.start is not None:
            word.start_seconds = w.start
        if w.end is not None:
            word.end_seconds = w.end
        if w.onset_delta is not None:
            word.onset_delta_seconds = w.onset_delta
        if w.offset_delta is not None:
            word.offset_delta_seconds = w.offset_delta
    for m in r.miscues:
        out.miscues.add(
            type=m.type.value,
            expected=m.expected,
            recognized=m.recognized,
            word_index=m.word_index,
            confidence=m.confidence,
        )
    if r.pitch is not None:
        p = r.pitch
        out.pitch.CopyFrom(
            pb.PitchComparison(
                reference=_points(p.reference),
                take=_points(p.take),
                correlation=p.correlation,
                rms_semitones=p.rms_semitones,
                max_divergence_word=p.max_divergence_word,
                max_divergence_seconds=p.max_divergence_seconds,
                take_hz=_points(p.take_hz),
                warped_by=p.warped_by,
            )
        )
    if r.reference_features is not None or r.take_features is not None:
        out.expressiveness.CopyFrom(
            pb.Expressiveness(
                reference=_features(r.reference_features),
                take=_features(r.take_features),
                measures=r.expressiveness_measures,
            )
        )
    if r.timing is not None:
        out.timing.CopyFrom(
            pb.Timing(pace_ratio=r.timing.pace_ratio, mean_abs_onset_delta_seconds=r.timing.mean_abs_onset_delta)
        )
    return out


def event_to_proto(event: d.Event) -> pb.AnalyzeResponse:
    if isinstance(event, d.Accepted):
        return pb.AnalyzeResponse(
            accepted=pb.Accepted(reference_cached=event.reference_cached, model_version=event.model_version)
        )
    if isinstance(event, d.Progress):
        return pb.AnalyzeResponse(
            progress=pb.Progress(stage=pb.Stage.Name(event.stage.value), progress=event.progress, message=event.message)
        )
    if isinstance(event, d.Failure):
        return pb.AnalyzeResponse(
            failure=pb.AnalysisFailure(reason=pb.FailureReason.Name(event.reason.value), message=event.message)
        )
    return pb.AnalyzeResponse(result=result_to_proto(event))
