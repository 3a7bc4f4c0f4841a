//! AI providers behind one trait: OpenAI chat completions, Anthropic messages, and the
//! built-in offline provider.
