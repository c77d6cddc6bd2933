"""The site (卡口) and lane this installation works for, created from the settings on first use."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.models import Lane, ShiftPlan, Site
from checkpoint.rota import DEFAULT_PLAN, install_plan
from checkpoint.sync.keys import lane_key, site_key


@dataclass(frozen=True)
class Place:
    """The site and lane rows this program records under."""

    site: Site
    lane: Lane


def ensure_place(session: Session, settings: Settings) -> Place:
    """The configured site and lane, created (with the default rota) when missing."""
    site = session.scalars(select(Site).where(Site.name == settings.site_name)).first()
    if site is None:
        site = Site(id=site_key(settings.site_name), name=settings.site_name)
        session.add(site)
        session.flush()
    lane = session.scalars(
        select(Lane).where(Lane.site_id == site.id, Lane.name == settings.lane_name)
    ).first()
    if lane is None:
        lane = Lane(
            id=lane_key(site.id, settings.lane_name), site_id=site.id, name=settings.lane_name
        )
        session.add(lane)
        session.flush()
    has_plan = session.scalars(select(ShiftPlan.id).where(ShiftPlan.site_id == site.id)).first()
    if has_plan is None:
        install_plan(session, site, DEFAULT_PLAN)
    return Place(site, lane)
