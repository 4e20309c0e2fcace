/** A size as `/v2/sizes` shows it (plus what the emulator needs to know). */
export interface SizeEntry {
  readonly slug: string;
  readonly memory: number;
  readonly vcpus: number;
  readonly disk: number;
  readonly transfer: number;
  readonly price_monthly: number;
  readonly price_hourly: number;
  readonly regions: readonly string[];
  readonly available: boolean;
  readonly description: string;
  readonly disk_info: readonly { type: 'local' | 'boot' | 'scratch'; size: { amount: number; unit: string } }[];
  readonly gpu_info?: { count: number; model: string; vram: { amount: number; unit: string } };
}

/** Regions of the sizes_list example (every basic size is offered in all of them). */
const ALL = ['ams2', 'ams3', 'blr1', 'fra1', 'lon1', 'nyc1', 'nyc2', 'nyc3', 'sfo1', 'sfo2', 'sfo3', 'sgp1', 'tor1'];
/** Newer plans are not offered in the legacy regions. */
const MODERN = ['ams3', 'blr1', 'fra1', 'lon1', 'nyc1', 'nyc3', 'sfo2', 'sfo3', 'sgp1', 'tor1'];
const GPU = ['nyc2', 'tor1'];

type Row = readonly [
  slug: string,
  memoryMb: number,
  vcpus: number,
  diskGb: number,
  transferTb: number,
  monthly: number,
  description: string,
  regions: readonly string[],
];

/**
 * Prices follow the spec example (s-1vcpu-1gb at $5/month, $0.00744/hour; hourly = monthly/672).
 * 33 sizes, like the real list enough to page at the default per_page of 20.
 */
const ROWS: readonly Row[] = [
  ['s-1vcpu-512mb-10gb', 512, 1, 10, 0.5, 4, 'Basic', ALL],
  ['s-1vcpu-1gb', 1024, 1, 25, 1, 5, 'Basic', ALL],
  ['s-1vcpu-1gb-amd', 1024, 1, 25, 1, 6, 'Premium AMD', MODERN],
  ['s-1vcpu-1gb-intel', 1024, 1, 25, 1, 6, 'Premium Intel', MODERN],
  ['s-1vcpu-2gb', 2048, 1, 50, 2, 10, 'Basic', ALL],
  ['s-1vcpu-2gb-amd', 2048, 1, 50, 2, 12, 'Premium AMD', MODERN],
  ['s-1vcpu-3gb', 3072, 1, 60, 3, 15, 'Basic', ALL],
  ['s-2vcpu-2gb', 2048, 2, 60, 3, 15, 'Basic', ALL],
  ['s-3vcpu-1gb', 1024, 3, 60, 3, 15, 'Basic', ALL],
  ['s-2vcpu-4gb', 4096, 2, 80, 4, 20, 'Basic', ALL],
  ['s-2vcpu-4gb-amd', 4096, 2, 80, 4, 24, 'Premium AMD', MODERN],
  ['s-2vcpu-4gb-intel', 4096, 2, 80, 4, 24, 'Premium Intel', MODERN],
  ['s-4vcpu-8gb', 8192, 4, 160, 5, 40, 'Basic', ALL],
  ['s-4vcpu-8gb-amd', 8192, 4, 160, 5, 48, 'Premium AMD', MODERN],
  ['s-4vcpu-8gb-intel', 8192, 4, 160, 5, 48, 'Premium Intel', MODERN],
  ['c-2', 4096, 2, 25, 4, 40, 'CPU-Optimized', MODERN],
  ['g-2vcpu-8gb', 8192, 2, 25, 4, 63, 'General Purpose', MODERN],
  ['s-6vcpu-16gb', 16384, 6, 320, 6, 80, 'Basic', ALL],
  ['c-4', 8192, 4, 50, 5, 80, 'CPU-Optimized', MODERN],
  ['m-2vcpu-16gb', 16384, 2, 50, 4, 84, 'Memory-Optimized', MODERN],
  ['g-4vcpu-16gb', 16384, 4, 50, 5, 126, 'General Purpose', MODERN],
  ['so-2vcpu-16gb', 16384, 2, 300, 4, 131, 'Storage-Optimized', MODERN],
  ['s-8vcpu-32gb', 32768, 8, 640, 7, 160, 'Basic', ALL],
  ['c-8', 16384, 8, 100, 6, 160, 'CPU-Optimized', MODERN],
  ['m-4vcpu-32gb', 32768, 4, 100, 5, 168, 'Memory-Optimized', MODERN],
  ['s-12vcpu-48gb', 49152, 12, 960, 8, 240, 'Basic', ALL],
  ['g-8vcpu-32gb', 32768, 8, 100, 6, 252, 'General Purpose', MODERN],
  ['s-16vcpu-64gb', 65536, 16, 1280, 9, 320, 'Basic', ALL],
  ['c-16', 32768, 16, 200, 7, 320, 'CPU-Optimized', MODERN],
  ['s-20vcpu-96gb', 98304, 20, 1920, 10, 480, 'Basic', ALL],
  ['s-24vcpu-128gb', 131072, 24, 2560, 11, 640, 'Basic', ALL],
  ['s-32vcpu-192gb', 196608, 32, 3840, 12, 960, 'Basic', ALL],
];

/** Legacy plan still listed but closed to new droplets. */
const UNAVAILABLE = new Set(['s-1vcpu-3gb']);

/** The exact float the spec example shows for $5/month. */
const EXAMPLE_HOURLY: Record<string, number> = { 's-1vcpu-1gb': 0.00743999984115362 };

function basicSize([slug, memory, vcpus, disk, transfer, monthly, description, regions]: Row): SizeEntry {
  return {
    slug,
    memory,
    vcpus,
    disk,
    transfer,
    price_monthly: monthly,
    price_hourly: EXAMPLE_HOURLY[slug] ?? Math.round((monthly / 672) * 1e5) / 1e5,
    regions,
    available: !UNAVAILABLE.has(slug),
    description,
    disk_info: [{ type: 'local', size: { amount: disk, unit: 'gib' } }],
  };
}

/** One GPU size, so `GET /v2/droplets?type=gpus` has something to tell apart. */
const GPU_SIZE: SizeEntry = {
  slug: 'gpu-h100x1-80gb',
  memory: 245760,
  vcpus: 20,
  disk: 720,
  transfer: 15,
  price_monthly: 2278.08,
  price_hourly: 3.39,
  regions: GPU,
  available: true,
  description: 'H100 GPU - 1X',
  disk_info: [
    { type: 'boot', size: { amount: 720, unit: 'gib' } },
    { type: 'scratch', size: { amount: 5120, unit: 'gib' } },
  ],
  gpu_info: { count: 1, model: 'nvidia_h100', vram: { amount: 80, unit: 'gib' } },
};

export const SIZES: readonly SizeEntry[] = [...ROWS.map(basicSize), GPU_SIZE];

export function findSize(slug: string): SizeEntry | undefined {
  return SIZES.find((s) => s.slug === slug);
}

/** Size JSON (a fresh copy, so callers may not mutate the catalogue). */
export function sizeJson(size: SizeEntry): Record<string, unknown> {
  return structuredClone({ ...size, regions: [...size.regions] });
}
