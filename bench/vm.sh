#!/bin/sh
# Runs one bench command inside a virtual machine (qemu) on this machine, for what a container
# cannot do: its open-files hard limit (`ulimit -Hn`, 20,000 on the machines these figures come
# from) cannot be raised without CAP_SYS_RESOURCE, and 20,000 phones on one process need more.
# Inside the guest the bench runs as root of its own kernel, so `bench/procs.py` lifts the limit
# to 65,536.
#
#   ./bench/vm.sh idle -n 20000 --hold 5 --targets baseline,memory
#
# Run as root from the repository root, after the quick start (it uses .venv). The guest is
# Debian bookworm (debootstrap, kept in $VM_DIR between runs) booted with its own kernel, 2 vCPUs
# and $VM_MEMORY of memory, with this checkout and the Python its .venv was made from copied in at
# the same paths, so it runs the same interpreter and code as the host's bench. The guest has no
# network but loopback; it is stopped after $VM_TIMEOUT seconds (3600) if it has not powered off.
# The JSON the bench writes (--json is added) is read back from the guest's disk and printed on
# stdout; the guest's console (with the bench's progress) goes to stderr.
set -eu
VM_DIR=${VM_DIR:-/var/tmp/hearth-bench-vm}
VM_MEMORY=${VM_MEMORY:-8G}
# Software emulation by default: on the machines these figures come from (themselves virtual
# machines), a nested KVM guest did not get past its kernel's decompression in two minutes, while
# qemu's own translator boots it in eight seconds. Emulated, code runs many times slower, so only
# what does not depend on speed means anything from a guest: phones joined and held, and memory.
VM_ACCEL=${VM_ACCEL:-tcg,thread=multi}
VM_CPU=${VM_CPU:-max}
REPO=$(pwd)
[ -x "$REPO/.venv/bin/python" ] || {
    echo "vm.sh: run from the repository root after the quick start (it uses .venv)" >&2; exit 2
}
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v debootstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-x86 debootstrap e2fsprogs >&2
fi
PYHOME=$("$REPO/.venv/bin/python" -c 'import sys; print(sys.base_prefix)')
ROOT=$VM_DIR/root
mkdir -p "$VM_DIR"
if [ ! -e "$ROOT/boot/.hearth-ready" ]; then
    rm -rf "$ROOT"
    debootstrap --variant=minbase --include=linux-image-amd64,initramfs-tools,iproute2,procps,util-linux \
        bookworm "$ROOT" http://deb.debian.org/debian >&2
    touch "$ROOT/boot/.hearth-ready"
fi
# The interpreter and the checkout, fresh each run (the venv's python points at $PYHOME). A
# system Python (/usr) cannot be copied over the guest's own system: there, the guest's Debian
# Python is used, and it must be the same version as the one the venv was made with.
if [ "$PYHOME" = /usr ]; then
    PYVER=$("$REPO/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    [ -x "$ROOT/usr/bin/python$PYVER" ] || chroot "$ROOT" apt-get install -y -q python3 >&2 || true
    [ -x "$ROOT/usr/bin/python$PYVER" ] || {
        echo "vm.sh: .venv was made with the system's Python $PYVER, which the guest (Debian" >&2
        echo "bookworm) does not have; make .venv with another Python (pyenv, /usr/local)" >&2
        exit 2
    }
else
    rm -rf "${ROOT:?}$PYHOME"
    mkdir -p "$ROOT$PYHOME"
    cp -a "$PYHOME/." "$ROOT$PYHOME/"
fi
# The checkouts copied in by earlier runs go too (from other paths, they would fill the disk).
if [ -f "$VM_DIR/checkouts" ]; then
    while IFS= read -r old; do rm -rf "${ROOT:?}$old"; done < "$VM_DIR/checkouts"
fi
rm -rf "${ROOT:?}$REPO"
printf '%s\n' "$REPO" > "$VM_DIR/checkouts"
mkdir -p "$ROOT$REPO"
tar -C "$REPO" --exclude=./.git --exclude=./bench/results -cf - . | tar -C "$ROOT$REPO" -xf -
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOT/etc/hosts"

ARGS=""
for a in "$@"; do ARGS="$ARGS '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"; done
cat > "$ROOT/hearth-bench" <<EOF
#!/bin/sh
# PID 1 of the guest: mount what the bench reads, run it, keep its JSON on the disk, power off.
mount -t proc proc /proc 2>/dev/null; mount -t sysfs sys /sys 2>/dev/null
mount -t devtmpfs dev /dev 2>/dev/null  # /tmp stays on the disk: the checkout may be under it
ip link set lo up
ulimit -Hn 1048576; ulimit -Sn 65536
echo "guest: \$(nproc) CPUs, \$(grep MemTotal /proc/meminfo), open files \$(ulimit -n)" >&2
cd "$REPO"
.venv/bin/python -m bench $ARGS --json > /hearth-bench.json
echo "guest: the bench exited with \$?" >&2
sync; echo o > /proc/sysrq-trigger; sleep 30
EOF
chmod +x "$ROOT/hearth-bench"

KERNEL=$(ls "$ROOT"/boot/vmlinuz-* | tail -n 1)
INITRD=$(ls "$ROOT"/boot/initrd.img-* | tail -n 1)
SIZE=$(( $(du -sm "$ROOT" | cut -f1) + 2048 ))
rm -f "$VM_DIR/disk.img"
mkfs.ext4 -q -F -d "$ROOT" "$VM_DIR/disk.img" "${SIZE}M" >&2
timeout "${VM_TIMEOUT:-3600}" qemu-system-x86_64 -accel "$VM_ACCEL" -cpu "$VM_CPU" -smp 2 \
    -m "$VM_MEMORY" -nographic -no-reboot -kernel "$KERNEL" -initrd "$INITRD" \
    -drive "file=$VM_DIR/disk.img,format=raw,if=virtio" -nic none \
    -append "root=/dev/vda rw console=ttyS0 loglevel=3 sysrq_always_enabled=1 panic=1 init=/hearth-bench" \
    > "$VM_DIR/console.log" 2>&1 || true
tr -d '\r' < "$VM_DIR/console.log" >&2
rm -f "$VM_DIR/out.json"
debugfs -R "dump /hearth-bench.json $VM_DIR/out.json" "$VM_DIR/disk.img" 2>/dev/null || true
[ -s "$VM_DIR/out.json" ] || { echo "vm.sh: the guest wrote no JSON (its console is above)" >&2; exit 1; }
cat "$VM_DIR/out.json"
