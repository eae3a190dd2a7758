"""Sessions in the database, written when they change and otherwise at most once a minute.

A session ends SESSION_COOKIE_AGE (SESSION_IDLE_HOURS) after its last request, so its expiry has
to move forward as people work: Django's SESSION_SAVE_EVERY_REQUEST does that with an UPDATE and a
commit on every page. Moving it only when the stored expiry is more than REFRESH_AFTER behind
leaves the idle limit as it was to within a minute and saves those writes on nearly every
request (issue 15: every server shares the database, and each write waits for it)."""

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

REFRESH_AFTER = timedelta(minutes=1)


class SessionStore(DatabaseSessionStore):
    _stored_expiry = None  # the expiry the database holds, once the session is read

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self._stored_expiry = session.expire_date if session else None
        return session

    def save(self, must_create: bool = False) -> None:
        if not must_create and not self.modified and self.session_key is not None:
            self._get_session()  # read it, if nothing has yet, to know its stored expiry
            stored = self._stored_expiry
            if stored is not None and self.get_expiry_date() - stored < REFRESH_AFTER:
                return
        super().save(must_create=must_create)
        self._stored_expiry = self.get_expiry_date()
