"""Transport adapter only: protobuf in → domain → protobuf out (errors are mapped by the pipeline)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync.analyzer.v1 import analyzer_pb2_grpc
from yousync_analyzer.convert import event_to_proto, messages_from_proto
from yousync_analyzer.service import Analyzer


class AnalyzerServicer(analyzer_pb2_grpc.AnalyzerServiceServicer):
    def __init__(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer

    async def Analyze(
        self, request_iterator: AsyncIterator[pb.AnalyzeRequest], context: Any
    ) -> AsyncIterator[pb.AnalyzeResponse]:
        async for event in self._analyzer.analyze(messages_from_proto(request_iterator)):
            yield event_to_proto(event)
