from .env import config

# One process: memory is enough. Several web workers share rate limits and sessions through Redis.
_REDIS_URL = config["APERTURA_REDIS_URL"]
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}
        if _REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
