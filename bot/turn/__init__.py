"""The channel-neutral turn: message types (`messages`), button payloads (`payloads`), and the
handler that serialises a conversation's turn, stores what arrived, calls the engine and stores
what goes out (`handler`). `messages` and `payloads` import nothing from the app, so the
dialogue can build replies with them without depending on the turn's machinery."""
