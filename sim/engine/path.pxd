# C types for sim/engine/path.py when it is compiled (sim/engine/compiled.py, hatch_build.py):
# an "augmenting" declaration file, read by Cython only. The .py stays plain Python; these
# declarations make its classes extension types whose attributes are C fields, so the
# per-event code reads a stage's counters and a truck's row without dictionary lookups.
# Every attribute is public (readable and writable from Python, as with __slots__).
cimport cython


cdef class Yard


cdef class Pass:
    cdef public object callbacks
    cdef public object _value
    cdef public double at


cdef class Draws:
    cdef public object blocks
    cdef public double[:] block
    cdef public Py_ssize_t i
    cdef public Py_ssize_t n

    @cython.locals(x=double)
    cpdef double next(self) except? -1.0


cdef class Durations:
    cdef public Draws draws
    cdef public double factor

    cpdef double next(self) except? -1.0


cdef class Stage:
    cdef public object env
    cdef public Py_ssize_t id
    cdef public Py_ssize_t lanes
    cdef public Py_ssize_t capacity
    cdef public Py_ssize_t open_lanes
    cdef public Py_ssize_t busy
    cdef public object queue
    cdef public Py_ssize_t waiting
    cdef public list draw
    cdef public object quota
    cdef public double quota_left
    cdef public double reopen_at
    cdef public object model
    cdef public unsigned char[:] outcome
    cdef public list hop_of
    cdef public object rank
    cdef public object queues

    @cython.locals(truck=Py_ssize_t, hop=Hop)
    cpdef _fill(self)


cdef class PriorityStage(Stage):
    cdef public signed char[:] cargo


cdef class TrainStage(Stage):
    pass


cdef class Hold(Stage):
    cdef public double[:] opens
    cdef public double[:] closes
    cdef public Py_ssize_t n
    cdef public bint always

    @cython.locals(lo=Py_ssize_t, hi=Py_ssize_t, mid=Py_ssize_t, k=Py_ssize_t, t=double, left=double, room=double)
    cpdef double release_at(self, double now, double duration) except? -1.0

    cpdef drop(self, Py_ssize_t truck)


cdef class Hop:
    cdef public Stage stage
    cdef public Hop next
    cdef public Py_ssize_t p
    cdef public Yard yard
    cdef public tuple cbs
    cdef public object env
    cdef public list heap
    cdef public object eid
    cdef public signed char[:] cargo
    cdef public list hop_of
    cdef public double[:] t_start
    cdef public double[:] t_end
    cdef public Py_ssize_t width
    cdef public unsigned char[:] outcome
    cdef public double[:] t_out
    cdef public bint plain
    cdef public bint quick

    @cython.locals(st=Stage)
    cpdef join(self, Py_ssize_t truck, Pass event)

    @cython.locals(st=Stage, now=double, at=double, durations=Durations)
    cpdef start(self, Py_ssize_t truck, Pass event)

    @cython.locals(truck=Py_ssize_t, st=Stage, now=double, at=double, nxt=Hop, ns=Stage, durations=Durations)
    cpdef finish(self, Pass event)


cdef class QuotaHop(Hop):
    pass


cdef class HoldHop(Hop):
    @cython.locals(st=Hold, now=double, at=double, durations=Durations)
    cpdef start(self, Py_ssize_t truck, Pass event)

    cpdef finish(self, Pass event)


cdef class Yard:
    cdef public double capacity
    cdef public Py_ssize_t inside
    cdef public object road
    cdef public Py_ssize_t on_road
    cdef public object model
    cdef public list first
    cdef public object env
    cdef public double[:] t_yard
    cdef public short[:] variant
    cdef public unsigned char[:] outcome

    @cython.locals(hop=Hop)
    cpdef arrive(self, Py_ssize_t truck)

    @cython.locals(hop=Hop)
    cpdef _enter(self, Py_ssize_t truck)

    @cython.locals(truck=Py_ssize_t)
    cpdef leave(self)


cdef class ArrivalFeed:
    cdef public object env
    cdef public list heap
    cdef public object eid
    cdef public double[:] t_arr
    cdef public short[:] crossing
    cdef public signed char[:] direction
    cdef public list yards
    cdef public object admit
    cdef public bint impatient
    cdef public Py_ssize_t admitted
    cdef public tuple cbs

    @cython.locals(truck=Py_ssize_t, now=double, at=double, xi=Py_ssize_t, nxt=Py_ssize_t, delay=double, yard=Yard)
    cpdef next_arrival(self, Pass event)
