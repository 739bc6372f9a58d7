// Record a take in the browser (MediaRecorder, WebM/Opus where supported) or pick a file: microphone
// permission, countdown, live level meter, stop, listen back, re-record.
import { useEffect, useRef, useState } from "react";

export interface Recording {
  blob: Blob;
  url: string;
  filename: string;
  seconds: number | null;
  source: "mic" | "file";
}

type Phase = "idle" | "asking" | "countdown" | "recording";

const MIME_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
export const COUNTDOWN_SECONDS = 3;
const MAX_SECONDS = 30;

export function pickMimeType(isSupported: (type: string) => boolean): string {
  return MIME_TYPES.find((t) => isSupported(t)) ?? "";
}

export function extensionOf(mime: string): string {
  if (mime.includes("webm")) return "webm";
  if (mime.includes("ogg")) return "ogg";
  if (mime.includes("mp4")) return "m4a";
  return "audio";
}

function micError(error: unknown): string {
  const name = (error as DOMException)?.name;
  if (name === "NotAllowedError" || name === "SecurityError")
    return "Microphone access was refused. Allow the microphone for this site in your browser's settings, or pick a file instead.";
  if (name === "NotFoundError" || name === "OverconstrainedError")
    return "No microphone was found. Plug one in, or pick a recorded file instead.";
  if (name === "NotReadableError") return "The microphone is busy in another app. Close it and try again.";
  return "The microphone could not be started. You can pick a recorded file instead.";
}

export function Recorder({
  onRecorded,
  onStopped,
  disabled,
}: {
  onRecorded: (recording: Recording) => void;
  /** Called the moment recording stops (the last sample), before the file is ready. */
  onStopped?: () => void;
  disabled?: boolean;
}) {
  const [phase, setPhase] = useState<Phase>("idle");
  const [count, setCount] = useState(COUNTDOWN_SECONDS);
  const [elapsed, setElapsed] = useState(0);
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const cleanup = useRef<() => void>(() => undefined);
  const recorder = useRef<MediaRecorder | null>(null);

  useEffect(() => () => cleanup.current(), []);

  const start = async () => {
    setError(null);
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setError("This browser can't record audio here (it needs https or localhost). Pick a recorded file instead.");
      return;
    }
    setPhase("asking");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (e) {
      setPhase("idle");
      setError(micError(e));
      return;
    }
    // The level meter: RMS of the input, every animation frame.
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let frame = 0;
    const meter = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      setLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
      frame = requestAnimationFrame(meter);
    };
    frame = requestAnimationFrame(meter);
    const timers: ReturnType<typeof setTimeout>[] = [];
    cleanup.current = () => {
      cancelAnimationFrame(frame);
      timers.forEach(clearTimeout);
      stream.getTracks().forEach((t) => t.stop());
      void context.close().catch(() => undefined);
      if (recorder.current && recorder.current.state !== "inactive") recorder.current.stop();
      recorder.current = null;
    };

    setPhase("countdown");
    for (let left = COUNTDOWN_SECONDS; left > 0; left--) {
      setCount(left);
      await new Promise((resolve) => timers.push(setTimeout(resolve, 1000)));
      if (!stream.active) return;
    }
    const mimeType = pickMimeType((t) => MediaRecorder.isTypeSupported(t));
    const mr = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    recorder.current = mr;
    const chunks: Blob[] = [];
    const began = performance.now();
    mr.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    mr.onstop = () => {
      const seconds = (performance.now() - began) / 1000;
      cleanup.current();
      cleanup.current = () => undefined;
      setPhase("idle");
      const type = mr.mimeType || mimeType || "audio/webm";
      const blob = new Blob(chunks, { type });
      if (blob.size === 0) {
        setError("Nothing was recorded. Check the microphone and try again.");
        return;
      }
      onRecorded({
        blob,
        url: URL.createObjectURL(blob),
        filename: `take.${extensionOf(type)}`,
        seconds,
        source: "mic",
      });
    };
    mr.start(250);
    setElapsed(0);
    setPhase("recording");
    const tickStart = performance.now();
    const tick = () => {
      const s = (performance.now() - tickStart) / 1000;
      setElapsed(s);
      if (s >= MAX_SECONDS) stop();
      else timers.push(setTimeout(tick, 200));
    };
    timers.push(setTimeout(tick, 200));
  };

  const stop = () => {
    const mr = recorder.current;
    if (!mr || mr.state === "inactive") return;
    onStopped?.();
    mr.stop();
  };

  const cancel = () => {
    cleanup.current();
    cleanup.current = () => undefined;
    setPhase("idle");
  };

  const pick = (file: File | undefined) => {
    if (!file) return;
    setError(null);
    onRecorded({ blob: file, url: URL.createObjectURL(file), filename: file.name, seconds: null, source: "file" });
  };

  return (
    <div className="recorder">
      {phase === "idle" && (
        <div className="row wrap">
          <button type="button" className="primary" onClick={() => void start()} disabled={disabled}>
            <span aria-hidden="true">● </span>Record
          </button>
          <label className="button secondary file">
            Pick a file…
            <input
              type="file"
              accept="audio/*,.wav,.webm,.ogg,.opus,.mp3,.m4a,.flac"
              onChange={(e) => {
                pick(e.target.files?.[0]);
                e.target.value = "";
              }}
              disabled={disabled}
              data-testid="file-input"
            />
          </label>
        </div>
      )}
      {phase === "asking" && <p role="status">Waiting for the microphone… (your browser may ask you to allow it)</p>}
      {(phase === "countdown" || phase === "recording") && (
        <div className="live">
          {phase === "countdown" ? (
            <p className="countdown" role="timer" aria-live="assertive" data-testid="countdown">
              Get ready… {count}
            </p>
          ) : (
            <p className="rec" role="status" data-testid="recording">
              <span className="dot" aria-hidden="true" /> Recording {elapsed.toFixed(1)} s
            </p>
          )}
          <label className="meter-label">
            Input level
            <meter min={0} max={1} low={0.05} high={0.85} optimum={0.4} value={level} data-testid="level" />
          </label>
          <div className="row">
            {phase === "recording" ? (
              <button type="button" className="primary" onClick={stop} autoFocus>
                ■ Stop
              </button>
            ) : (
              <button type="button" onClick={cancel}>
                Cancel
              </button>
            )}
          </div>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
