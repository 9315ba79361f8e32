"""Sharing's scheduled jobs: group buys expire and refund at their deadline, referral rewards
are paid once their orders pass the refund window. Both are idempotent and safe in parallel."""

from app.jobs import every
from app.sharing import groups, service

every(60, groups.expire_groups, service.settle_rewards)
