"""A handler whose exception quotes the notification's address and title."""


def send_batch(notifications):
    first = notifications[0]
    raise RuntimeError(
        f"could not send {first.title!r} to {first.target_user_record.target_user_id}"
    )
