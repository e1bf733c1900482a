"""RDS for PostgreSQL storage: which IOPS and throughput each storage type takes at which size.

One table, used twice: by load_stack on the spec (`database.storage_type`, `iops`, `storage_throughput`,
as config errors before anything is registered) and by the provider checks on every planned
aws:rds/instance:Instance (so a stack override that sets `iops` meets the same rules).
Sources: the RDS user guide, "Amazon RDS DB instance storage" (CHAP_Storage), and CreateDBInstance.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html"
API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"

# gp3 below 400 GiB: a fixed baseline of 3,000 IOPS and 125 MiB/s that cannot be changed. From 400 GiB: a
# baseline of 12,000 IOPS and 500 MiB/s, provisionable up to 64,000 IOPS and 4,000 MiB/s.
GP3_PROVISIONED_FROM_GIB = 400
GP3_IOPS = (12_000, 64_000)
GP3_THROUGHPUT_MIBPS = (500, 4_000)
GP3_THROUGHPUT_PER_IOPS_MAX = 0.25  # ValidStorageOptions: StorageThroughputToIopsRatio 0-0.25
# io1 and io2 Block Express: 100-65,536 GiB and 1,000-256,000 IOPS; IOPS at least 0.5 x the GiB
# (CreateDBInstance) and at most 50 x (io1) or 1,000 x (io2).
PROVISIONED_MIN_GIB = 100
PROVISIONED_IOPS = (1_000, 256_000)
IOPS_PER_GIB = {"io1": (0.5, 50), "io2": (0.5, 1_000)}
MIN_GIB = {"gp2": 20, "gp3": 20, "io1": PROVISIONED_MIN_GIB, "io2": PROVISIONED_MIN_GIB}


@dataclass(frozen=True)
class StorageProblem:
    field: str  # storage_type, storage_gb, iops or storage_throughput (the spec's names)
    message: str
    source: str = USER_GUIDE


def storage_problems(storage_type: str, storage_gb: int, iops: int | None,
                     throughput: int | None) -> list[StorageProblem]:
    """What RDS would refuse for a PostgreSQL instance with this storage; [] when it accepts it."""
    problems = []
    minimum = MIN_GIB.get(storage_type)
    if minimum is None:
        return [StorageProblem("storage_type", f"'{storage_type}' is not gp2, gp3, io1 or io2", API)]
    if storage_gb < minimum:
        problems.append(StorageProblem("storage_gb", f"{storage_type} needs at least {minimum} GiB (got {storage_gb})"))
    if storage_type == "gp2":
        problems += [StorageProblem(f, "gp2 takes no provisioned IOPS or throughput (it scales with size); "
                                    "use gp3 or io1/io2") for f, v in (("iops", iops), ("storage_throughput",
                                                                                         throughput)) if v]
    elif storage_type == "gp3":
        problems += _gp3(storage_gb, iops, throughput)
    else:
        problems += _provisioned(storage_type, storage_gb, iops, throughput)
    return problems


def _gp3(storage_gb: int, iops: int | None, throughput: int | None) -> list[StorageProblem]:
    if iops is None and throughput is None:
        return []
    if storage_gb < GP3_PROVISIONED_FROM_GIB:
        return [StorageProblem("iops" if iops else "storage_throughput",
                               f"gp3 below {GP3_PROVISIONED_FROM_GIB} GiB has a fixed 3,000 IOPS and 125 MiB/s; "
                               f"set storage_gb to {GP3_PROVISIONED_FROM_GIB} or more to provision them "
                               f"(got {storage_gb})")]
    if iops is None or throughput is None:
        # appstack's rule: both stated, so the plan shows what is paid for (RDS would fill in a baseline).
        return [StorageProblem("storage_throughput" if iops else "iops",
                               "gp3 takes iops and storage_throughput together (baseline 12000 and 500)")]
    problems = []
    if not GP3_IOPS[0] <= iops <= GP3_IOPS[1]:
        problems.append(StorageProblem("iops", f"gp3 takes {GP3_IOPS[0]}-{GP3_IOPS[1]} IOPS (got {iops})"))
    if not GP3_THROUGHPUT_MIBPS[0] <= throughput <= GP3_THROUGHPUT_MIBPS[1]:
        problems.append(StorageProblem("storage_throughput", f"gp3 takes {GP3_THROUGHPUT_MIBPS[0]}-"
                                       f"{GP3_THROUGHPUT_MIBPS[1]} MiB/s (got {throughput})"))
    elif throughput > iops * GP3_THROUGHPUT_PER_IOPS_MAX:
        problems.append(StorageProblem("storage_throughput", f"gp3 allows at most {GP3_THROUGHPUT_PER_IOPS_MAX} "
                                       f"MiB/s per IOPS: {throughput} MiB/s needs {throughput * 4} IOPS or more",
                                       "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
                                       "API_ValidStorageOptions.html"))
    return problems


def _provisioned(storage_type: str, storage_gb: int, iops: int | None, throughput: int | None) -> list[StorageProblem]:
    problems = []
    if throughput is not None:
        problems.append(StorageProblem("storage_throughput", f"{storage_type} takes no storage_throughput (only gp3)",
                                       API))
    if iops is None:
        return [*problems, StorageProblem("iops", f"{storage_type} needs iops ({PROVISIONED_IOPS[0]}-"
                                          f"{PROVISIONED_IOPS[1]})", API)]
    if not PROVISIONED_IOPS[0] <= iops <= PROVISIONED_IOPS[1]:
        problems.append(StorageProblem("iops", f"{storage_type} takes {PROVISIONED_IOPS[0]}-{PROVISIONED_IOPS[1]} "
                                       f"IOPS (got {iops})"))
    low, high = IOPS_PER_GIB[storage_type]
    if storage_gb > 0 and not low <= iops / storage_gb <= high:
        problems.append(StorageProblem("iops", f"{storage_type} takes {low:g} to {high:g} IOPS per GiB: "
                                       f"{iops} IOPS on {storage_gb} GiB is {iops / storage_gb:g}"))
    return problems
