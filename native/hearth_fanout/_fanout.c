/* One frame to every socket of a room, in C: the fan-out's per-socket step without the
 * interpreter (docs/performance.md, "How Hearth gets there").
 *
 * write_frame(conns, frame, fast_type) walks `conns` (the room's set of connections) and, for
 * each FastConnection (exactly `fast_type`) that is open (no close frame sent or begun: its
 * `closing` is None), holds no corked reply and has nothing waiting in its transport, sends
 * `frame` straight to the socket with one non-blocking send().
 * Every other connection is returned to the caller, with what was sent of the frame:
 *   (conn, -1)  nothing sent: the caller offers the update the usual way (another kind of
 *               connection, a held reply, bytes already waiting, a closing transport, an error
 *               the transport must see for itself);
 *   (conn, n)   the kernel took n bytes (0 <= n < len(frame)): the caller hands the rest to the
 *               transport, which sends it when the socket drains, in order.
 * A connection whose close has begun (`closing` set) is skipped, as offer() skips it.
 *
 * The file descriptor is only written after the transport said, in this same step and under
 * the GIL, that it is not closing: a closed transport's descriptor number may already belong to
 * another socket. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

static PyObject *s_held, *s_closing, *s_fd, *s_transport;
static PyObject *s_get_write_buffer_size, *s_is_closing;

/* 1: true, 0: false, -1: error (an exception is set). */
static int call_truth(PyObject *obj, PyObject *method) {
    PyObject *args[1] = {obj};
    PyObject *result = PyObject_VectorcallMethod(method, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (result == NULL) return -1;
    int truth = PyObject_IsTrue(result);
    Py_DECREF(result);
    return truth;
}

/* 1: may be written directly, 0: not (to the caller with -1), 2: skip (closing), -1: error. */
static int direct(PyObject *conn, PyTypeObject *fast_type, int *fd_out) {
    if (Py_TYPE(conn) != fast_type) return 0;
    PyObject *value = PyObject_GetAttr(conn, s_closing);
    if (value == NULL) return -1;
    int closing = value != Py_None;
    Py_DECREF(value);
    if (closing) return 2;
    value = PyObject_GetAttr(conn, s_held);
    if (value == NULL) return -1;
    int held = value != Py_None;
    Py_DECREF(value);
    if (held) return 0;
    value = PyObject_GetAttr(conn, s_fd);
    if (value == NULL) return -1;
    long fd = PyLong_AsLong(value);
    Py_DECREF(value);
    if (fd == -1 && PyErr_Occurred()) return -1;
    if (fd < 0) return 0;
    PyObject *transport = PyObject_GetAttr(conn, s_transport);
    if (transport == NULL) return -1;
    int verdict = 1;
    int truth = call_truth(transport, s_get_write_buffer_size);
    if (truth != 0) {
        verdict = truth < 0 ? -1 : 0;
    } else {
        truth = call_truth(transport, s_is_closing);
        if (truth != 0) verdict = truth < 0 ? -1 : 0;
    }
    Py_DECREF(transport);
    if (verdict == 1) *fd_out = (int)fd;
    return verdict;
}

static int hand_back(PyObject *out, PyObject *conn, Py_ssize_t sent) {
    PyObject *pair = Py_BuildValue("(On)", conn, sent);
    if (pair == NULL) return -1;
    int failed = PyList_Append(out, pair);
    Py_DECREF(pair);
    return failed;
}

static PyObject *write_frame(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "write_frame(conns, frame, fast_type)");
        return NULL;
    }
    PyObject *conns = args[0];
    if (!PyBytes_Check(args[1]) || !PyType_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "write_frame(conns, frame: bytes, fast_type: type)");
        return NULL;
    }
    const char *frame = PyBytes_AS_STRING(args[1]);
    Py_ssize_t size = PyBytes_GET_SIZE(args[1]);
    PyTypeObject *fast_type = (PyTypeObject *)args[2];
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    PyObject *iterator = PyObject_GetIter(conns);
    if (iterator == NULL) goto fail;
    PyObject *conn;
    while ((conn = PyIter_Next(iterator)) != NULL) {
        int fd = -1;
        int verdict = direct(conn, fast_type, &fd);
        Py_ssize_t sent = -1;
        if (verdict == 1) {
            ssize_t n;
            do {
                n = send(fd, frame, (size_t)size, MSG_DONTWAIT | MSG_NOSIGNAL);
            } while (n < 0 && errno == EINTR);
            if (n == size) verdict = 2;
            else if (n >= 0) sent = n;
            else if (errno == EAGAIN || errno == EWOULDBLOCK) sent = 0;
            /* any other error: -1, the transport's own write finds it and closes */
        }
        int failed = verdict < 0 || (verdict != 2 && hand_back(out, conn, sent) < 0);
        Py_DECREF(conn);
        if (failed) {
            Py_DECREF(iterator);
            goto fail;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) goto fail;
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"write_frame", (PyCFunction)(void (*)(void))write_frame, METH_FASTCALL,
     "write_frame(conns, frame, fast_type) -> [(conn, sent)]: send frame to every open, idle "
     "fast connection; the others come back with what was sent (-1: nothing)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "hearth_fanout._fanout", "A room's frame to every socket, in C.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__fanout(void) {
#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL
    INTERN(s_held, "_held");
    INTERN(s_closing, "closing");
    INTERN(s_fd, "fd");
    INTERN(s_transport, "transport");
    INTERN(s_get_write_buffer_size, "get_write_buffer_size");
    INTERN(s_is_closing, "is_closing");
#undef INTERN
    return PyModule_Create(&module);
}
