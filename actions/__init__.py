"""rasa-sdk actions. Thin: each hands the patient's message to bot.conversation."""
