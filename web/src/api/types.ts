// Shapes of the public /api (services/gateway/src/yousync_gateway/schemas.py). Only what the console reads.

export interface User {
  id: string;
  email: string;
  display_name: string;
  picture_url: string;
  roles: string[];
}

export interface Session {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  user: User;
}

export interface ConsoleConfig {
  dev_sign_in: boolean;
  google_client_id: string;
  max_upload_bytes: number;
}

export interface ActorSummary {
  id: number;
  name: string;
}

export interface Actor extends ActorSummary {
  external_id: string;
  aliases: string[];
}

export interface AudioAccess {
  url: string;
  expires_at: string | null;
  content_type: string;
}

export interface WordTiming {
  word: string;
  start_seconds: number;
  end_seconds: number;
}

export interface PitchPoint {
  time_seconds: number;
  hz?: number | null;
}

export interface Token {
  id: number;
  script_id: number;
  position: number;
  text: string;
  translation: string;
  actor: ActorSummary | null;
  words: WordTiming[];
  reference_audio: AudioAccess | null;
  reference_audio_url: string | null;
  reference_pitch: PitchPoint[];
  reference_duration_seconds: number;
  view_count: number;
  take_count: number;
  language: string;
  script_title: string;
}

export interface Script {
  id: number;
  title: string;
  work_title: string;
  kind: string;
  category: string;
  language: string;
  thumbnail_url: string;
  duration_seconds: number;
  actors: ActorSummary[];
  view_count: number;
  take_count: number;
  token_count: number;
  created_at: string | null;
}

export interface ScriptDetail extends Script {
  tokens: Token[];
}

export interface ScriptList {
  scripts: Script[];
  next_page_token: string;
}

export interface ActorList {
  actors: Actor[];
  next_page_token: string;
}

export interface UploadAccepted {
  job_id: string;
  status: string;
  state: string;
  take_id: string;
  token_id: number;
  script_id: number;
  stream_ticket: string;
  progress_url: string;
  result_url: string;
}

export type WordStatus = "OK" | "MISPRONOUNCED" | "OMITTED" | string;

export interface WordResult {
  word: string;
  index?: number;
  status: WordStatus;
  score?: number;
  start_seconds?: number;
  end_seconds?: number;
  reference_start_seconds?: number;
  reference_end_seconds?: number;
  onset_delta_seconds?: number;
}

export interface Miscue {
  type: "OMISSION" | "INSERTION" | "SUBSTITUTION" | string;
  expected?: string;
  recognized?: string;
  word_index?: number;
  confidence?: number;
}

export interface PitchComparison {
  reference?: PitchPoint[];
  take?: PitchPoint[];
  correlation?: number;
  rms_semitones?: number;
  max_divergence_word?: string;
  max_divergence_seconds?: number;
  warped_by?: string;
}

export interface ExpressivenessFeatures {
  pitch_range_semitones?: number;
  energy_range_db?: number;
  speaking_rate_wps?: number;
  pause_seconds?: number;
  duration_seconds?: number;
}

export interface DetailedFeedback {
  verdict?: string;
  rerecord_reason?: string;
  words?: WordResult[];
  miscues?: Miscue[];
  feedback?: string[];
  recognized_text?: string;
  pitch?: PitchComparison;
  expressiveness?: { reference?: ExpressivenessFeatures; take?: ExpressivenessFeatures; measures?: string };
  timing?: { pace_ratio?: number; mean_abs_onset_delta_seconds?: number };
  quality?: { snr_db?: number; speech_fraction?: number; duration_seconds?: number };
  scores?: Record<string, number>;
  [key: string]: unknown;
}

export interface AnalysisResult {
  job_id: string;
  status: "processing" | "completed" | "failed";
  state: string;
  stage: string;
  progress: number;
  message: string;
  take_id: string;
  token_id: number;
  script_id: number;
  pronunciation_score: number | null;
  intonation_score: number | null;
  emotion_score: number | null;
  timing_score: number | null;
  overall_score: number | null;
  /** 0–1: the share of the line's words spoken (every other score is 0–100). */
  completeness?: number | null;
  verdict: string | null;
  detailed_feedback: DetailedFeedback | null;
  error: { reason: string; message: string } | null;
  created_at: string | null;
  completed_at: string | null;
  scores?: Record<string, number | null>;
}

export interface ProgressEvent {
  job_id: string;
  sequence: number;
  status: "processing" | "completed" | "failed";
  state: string;
  stage: string;
  progress: number;
  message: string;
  result?: AnalysisResult;
  error?: { reason: string; message: string };
}

export interface Scores {
  pronunciation: number;
  intonation: number;
  expressiveness: number;
  timing: number;
  overall: number;
  /** 0–1, unlike the others. */
  completeness?: number | null;
}

export interface Take {
  id: string;
  token_id: number;
  script_id: number;
  job_id: string;
  status: string;
  state: string;
  format: string;
  size_bytes: number;
  duration_seconds: number;
  scores: Scores | null;
  verdict: string | null;
  created_at: string | null;
  token_text: string;
  script_title: string;
}

export interface TakeList {
  takes: Take[];
  next_page_token: string;
}

export interface Bookmark {
  id: number;
  token_id: number;
  created_at: string | null;
  token: { id: number; script_id: number; text: string; actor_name: string; token_name: string } | null;
  script: { id: number; title: string } | null;
}

export interface ScoreStats {
  average: number;
  best: number;
}

export interface Overview {
  total_takes: number;
  scored_takes: number;
  distinct_tokens: number;
  distinct_scripts: number;
  pronunciation: ScoreStats;
  intonation: ScoreStats;
  expressiveness: ScoreStats;
  timing: ScoreStats;
  overall: ScoreStats;
  weekly: { week_start: string | null; takes: number; average_overall: number }[];
  user_info: User;
  total_bookmarks: number;
}
