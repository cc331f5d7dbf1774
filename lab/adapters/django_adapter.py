"""django-otp 1.7 (TOTPDevice) with django-two-factor-auth 1.18's enrollment
form (TOTPDeviceForm) as a verifier, in process: Django with an in-memory
SQLite database, and the virtual clock patched where each module reads it
(`from time import time` in django_otp.oath and two_factor.forms,
time.time() in the TOTP device model, django.utils.timezone.now for the
throttling). `--clock real` patches nothing: the throttling's delays (1, 2,
4 s... after each failure) and the replay rule (`last_t`) then run in real
time too."""

import argparse
import datetime
import time as time_module

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    USE_TZ=True,
    SECRET_KEY="skewsim-lab",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django_otp",
        "django_otp.plugins.otp_static",
        "django_otp.plugins.otp_totp",
        "two_factor",
    ],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

from importlib.metadata import version  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
import django.utils.timezone  # noqa: E402
import django_otp.oath  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
import two_factor.forms  # noqa: E402
from two_factor.forms import TOTPDeviceForm  # noqa: E402

from protocol import Clock, add_clock_argument, seconds, serve, stamp  # noqa: E402

NOW = [0.0]


def fake_time():
    return NOW[0]


def fake_now():
    return datetime.datetime.fromtimestamp(NOW[0], tz=datetime.timezone.utc)


def use_virtual_clock():
    time_module.time = fake_time
    django_otp.oath.time = fake_time
    two_factor.forms.time = fake_time
    django.utils.timezone.now = fake_now


class Django:
    def __init__(self, clock):
        self.clock = clock
        self.keys = {}
        if not clock.real:
            use_virtual_clock()
        call_command("migrate", verbosity=0)

    def op_hello(self, _):
        return {
            "name": f"django-otp {version('django-otp')} + django-two-factor-auth {version('django-two-factor-auth')}",
            "policy": "django-otp",
            "enroll_codes": 1,
        }

    def op_setup(self, r):
        get_user_model().objects.create(username=r["user"])
        self.keys[r["user"]] = r["secret_hex"]
        return {}

    def device(self, user):
        return TOTPDevice.objects.filter(user__username=user).first()

    def state(self, user):
        d = self.device(user)
        if d is None:
            return {}
        return {"drift": d.drift, "last_t": d.last_t, "failures": d.throttling_failure_count}

    def op_enroll(self, r):
        if len(r["codes"]) != 1:
            raise ValueError("two-factor-auth confirms one code")
        self.set_clock(r)
        user = get_user_model().objects.get(username=r["user"])
        form = TOTPDeviceForm(key=self.keys[r["user"]], user=user, metadata={}, data={"token": r["codes"][0]})
        ok, time_ms = self.clock.decide(r, form.is_valid)
        if ok:
            form.save()
        return stamp({"accepted": ok, "state": self.state(r["user"])}, time_ms)

    def op_login(self, r):
        self.set_clock(r)
        device = self.device(r["user"])
        ok, time_ms = self.clock.decide(r, lambda: device.verify_token(r["code"]))
        return stamp({"accepted": ok, "state": self.state(r["user"])}, time_ms)

    def set_clock(self, r):
        if not self.clock.real:
            NOW[0] = seconds(r)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    add_clock_argument(parser)
    serve(Django(Clock(parser.parse_args().clock)))
