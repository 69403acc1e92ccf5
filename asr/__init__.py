"""Speech recognition: engines (Vosk, faster-whisper), audio decoding and resampling, media
frame ordering, and the recognizer worker pool. Pure library: no FastAPI, no database."""
