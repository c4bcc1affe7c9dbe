'use strict';
// Hardware matrix served by R9 `GET /v2/provider/{namespace}` and R13
// `GET /v2/provider` (doc/protocol.md §2.5, shape of [HH-T] MOCK_PROVIDERS).  Create and
// update validate their compute against it (config `validate_compute`).

function compute(vendor, region, accelerator, type, size, arch, numAcc, numCpus, memoryGb, gpuMemoryGb, price, status) {
  const c = {
    id: `${vendor}-${region}-${type}-${size}`,
    accelerator,
    numAccelerators: numAcc,
    numCpus,
    memoryGb,
    gpuMemoryGb,
    instanceType: type,
    instanceSize: size,
    architecture: arch,
    status,
    pricePerHour: price,
    quota: { maxAccelerators: accelerator === 'cpu' ? 64 : 16, usedAccelerators: 0 },
  };
  if (numCpus === undefined) delete c.numCpus;   // numCpus may be absent (doc/protocol.md §2.5)
  return c;
}

const VENDORS = [
  {
    name: 'aws',
    status: 'available',
    regions: [
      {
        name: 'us-east-1',
        label: 'N. Virginia',
        status: 'available',
        computes: [
          compute('aws', 'us-east-1', 'cpu', 'intel-icl', 'x1', 'Intel Ice Lake', 1, 1, 2.0, null, 0.033, 'available'),
          compute('aws', 'us-east-1', 'cpu', 'intel-icl', 'x2', 'Intel Ice Lake', 1, 2, 4.0, null, 0.067, 'available'),
          compute('aws', 'us-east-1', 'cpu', 'intel-icl', 'x4', 'Intel Ice Lake', 1, undefined, 8.0, null, 0.134, 'available'),
          compute('aws', 'us-east-1', 'cpu', 'intel-spr', 'x1', 'Intel Sapphire Rapids', 1, 1, 2.0, null, 0.05, 'available'),
          compute('aws', 'us-east-1', 'cpu', 'intel-spr', 'x2', 'Intel Sapphire Rapids', 1, 2, 4.0, null, 0.1, 'available'),
          compute('aws', 'us-east-1', 'cpu', 'intel-spr', 'x4', 'Intel Sapphire Rapids', 1, 4, 8.0, null, 0.2, 'available'),
          compute('aws', 'us-east-1', 'gpu', 'nvidia-l4', 'x1', 'Nvidia L4', 1, 7, 30.0, 24, 0.8, 'available'),
          compute('aws', 'us-east-1', 'gpu', 'nvidia-a10g', 'x1', 'Nvidia A10G', 1, 4, 16.0, 24, 1.0, 'available'),
          compute('aws', 'us-east-1', 'gpu', 'nvidia-t4', 'x1', 'Nvidia T4', 1, 4, 16.0, 16, 0.5, 'low_availability'),
        ],
      },
      {
        name: 'eu-west-1',
        label: 'Ireland',
        status: 'available',
        computes: [
          compute('aws', 'eu-west-1', 'cpu', 'intel-spr', 'x1', 'Intel Sapphire Rapids', 1, 1, 2.0, null, 0.05, 'available'),
          compute('aws', 'eu-west-1', 'cpu', 'intel-spr', 'x2', 'Intel Sapphire Rapids', 1, 2, 4.0, null, 0.1, 'available'),
        ],
      },
    ],
  },
  {
    name: 'gcp',
    status: 'available',
    regions: [
      {
        name: 'us-central1',
        label: 'Iowa',
        status: 'available',
        computes: [
          compute('gcp', 'us-central1', 'cpu', 'intel-spr', 'x1', 'Intel Sapphire Rapids', 1, 1, 2.0, null, 0.05, 'available'),
          compute('gcp', 'us-central1', 'gpu', 'nvidia-l4', 'x1', 'Nvidia L4', 1, 7, 30.0, 24, 0.8, 'deprecated'),
        ],
      },
    ],
  },
];

function findCompute(vendor, region, accelerator, type, size) {
  for (const v of VENDORS) {
    if (v.name !== vendor) continue;
    for (const r of v.regions) {
      if (r.name !== region) continue;
      for (const c of r.computes) {
        if (c.accelerator === accelerator && c.instanceType === type && c.instanceSize === size) return c;
      }
    }
  }
  return null;
}

// Deep copy with quota.usedAccelerators filled from the namespace's endpoints.
function vendorsFor(usedById) {
  const copy = JSON.parse(JSON.stringify(VENDORS));
  for (const v of copy) for (const r of v.regions) for (const c of r.computes) c.quota.usedAccelerators = usedById.get(c.id) || 0;
  return copy;
}

module.exports = { VENDORS, findCompute, vendorsFor };
