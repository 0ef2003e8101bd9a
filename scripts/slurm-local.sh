#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the scale-out test (issue #11) and for trying
# `filterstudy slurm` by hand. Debian's slurm-wlm + munge; needs root and apt.
#   scripts/slurm-local.sh up     install if missing, write the config, start munged, slurmctld, slurmd
#   scripts/slurm-local.sh down   stop them
#   scripts/slurm-local.sh status exit 0 when the node answers
# State lives under /var/lib/filterstudy-slurm (spool, logs, accounting file); the config under /etc/slurm.
set -euo pipefail
STATE=/var/lib/filterstudy-slurm
CONF=/etc/slurm/slurm.conf
cmd=${1:-up}

need_root() { [ "$(id -u)" = 0 ] || { echo "slurm-local: needs root (apt, daemons); skipped" >&2; exit 3; }; }

install() {
  if command -v slurmctld >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then return; fi
  command -v apt-get >/dev/null || { echo "slurm-local: no apt-get to install slurm-wlm and munge; skipped" >&2; exit 3; }
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null) \
    || { echo "slurm-local: apt-get install slurm-wlm munge failed; skipped" >&2; exit 3; }
}

write_config() {
  mkdir -p "$STATE"/{ctld,d,log} /etc/slurm
  local cpus mem
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  cat > "$CONF" <<CONFEOF
# Written by filterstudy scripts/slurm-local.sh: a one-node cluster on localhost.
ClusterName=filterstudy
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.txt
MinJobAge=86400
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONFEOF
}

up() {
  need_root
  install
  write_config
  if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
    chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
    su -s /bin/sh munge -c /usr/sbin/munged
  fi
  pgrep -x slurmctld >/dev/null || slurmctld
  pgrep -x slurmd >/dev/null || slurmd
  for _ in $(seq 1 60); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then echo "slurm-local: up ($(sinfo -h -N -o '%N %T %c CPUs'))"; return 0; fi
    sleep 1
  done
  echo "slurm-local: the node did not become idle within 60 s; logs in $STATE/log" >&2
  tail -n 20 "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log" >&2 || true
  exit 1
}

down() {
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  echo "slurm-local: stopped slurmd and slurmctld (munged left running)"
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)' ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
