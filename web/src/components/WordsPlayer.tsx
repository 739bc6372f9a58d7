// The actor's audio with the line's words; the word being spoken is highlighted as it plays.
import { useEffect, useRef, useState } from "react";
import type { WordTiming } from "../api/types";

export function currentWord(words: WordTiming[], time: number): number {
  for (let i = 0; i < words.length; i++) {
    if (time >= words[i].start_seconds && time < words[i].end_seconds) return i;
  }
  return -1;
}

export function WordsPlayer({
  words,
  text,
  audioUrl,
  onTime,
}: {
  words: WordTiming[];
  text: string;
  audioUrl: string | null;
  onTime?: (seconds: number | null) => void;
}) {
  const audio = useRef<HTMLAudioElement>(null);
  const [active, setActive] = useState(-1);

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    let frame = 0;
    const tick = () => {
      setActive(currentWord(words, el.currentTime));
      onTime?.(el.currentTime);
      if (!el.paused && !el.ended) frame = requestAnimationFrame(tick);
    };
    const start = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(tick);
    };
    const stop = () => {
      cancelAnimationFrame(frame);
      tick();
      if (el.ended) {
        setActive(-1);
        onTime?.(null);
      }
    };
    el.addEventListener("play", start);
    el.addEventListener("pause", stop);
    el.addEventListener("ended", stop);
    el.addEventListener("seeked", tick);
    return () => {
      cancelAnimationFrame(frame);
      el.removeEventListener("play", start);
      el.removeEventListener("pause", stop);
      el.removeEventListener("ended", stop);
      el.removeEventListener("seeked", tick);
    };
  }, [words, onTime]);

  const seek = (i: number) => {
    const el = audio.current;
    if (!el) return;
    el.currentTime = words[i].start_seconds;
    void el.play().catch(() => undefined);
  };

  return (
    <div className="words-player">
      <p className="words" lang="en" data-testid="line-words">
        {words.length === 0
          ? text
          : words.map((w, i) => (
              <button
                key={i}
                type="button"
                className={i === active ? "word active" : "word"}
                aria-current={i === active ? "true" : undefined}
                onClick={() => seek(i)}
                title={`Play from “${w.word}”`}
              >
                {w.word}
              </button>
            ))}
      </p>
      {audioUrl ? (
        <audio ref={audio} src={audioUrl} controls preload="metadata" aria-label="The actor's line" />
      ) : (
        <p className="muted">This line has no reference audio.</p>
      )}
    </div>
  );
}
