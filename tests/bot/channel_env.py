"""Sample environment variables that switch on each messaging channel (no real secrets), and the
settings credentials are rendered with."""
from pathlib import Path

from bot.settings import Settings, load_settings

TELEGRAM_ENV = {
    "TELEGRAM_TOKEN": "123456789:AAbbCC_dd-ee",
    "TELEGRAM_VERIFY": "acme_support_bot",
    "TELEGRAM_WEBHOOK_URL": "https://chat.example.com/webhooks/telegram/webhook",
}
SLACK_ENV = {"SLACK_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "slack-signing-secret"}
FACEBOOK_ENV = {"FACEBOOK_VERIFY": "fb-verify", "FACEBOOK_SECRET": "fb-app-secret",
                "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token"}
TWILIO_ENV = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "twilio-auth-token",
              "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886"}
CALLBACK_ENV = {"CALLBACK_URL": "https://gateway.example.com/bot-messages", "CALLBACK_SECRET": "s3cret"}
FULL_ENV = {**TELEGRAM_ENV, **SLACK_ENV, **FACEBOOK_ENV, **TWILIO_ENV, **CALLBACK_ENV}


def channel_settings(var_dir: Path, **env: str) -> Settings:
    """The settings credentials are rendered with (guard limits, REST token, web-chat secret):
    defaults unless ``env`` sets them, secrets generated under ``var_dir``."""
    return load_settings({"EFFORTLESS_VAR_DIR": str(var_dir), **env})
