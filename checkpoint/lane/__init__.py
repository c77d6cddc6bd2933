"""The lane (车道): one front door for everything that happens at one inspection lane.

The desk talks only to :class:`~checkpoint.lane.session.LaneSession`: plain calls in (a plate,
the texts read from one camera frame, a reading by eye, a step), an immutable
:class:`~checkpoint.lane.state.LaneState` out, and :class:`~checkpoint.lane.events.LaneEvent`
published for the ledger and the counters. Qt-free. Import from the modules; this file stays
empty so that importing one of them does not import the whole lane (start-up cost).
"""
