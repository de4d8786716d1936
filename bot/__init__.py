"""Danish questionnaire chatbot: app package."""
