// The published figures Drover is measured against (docs: ../shared/DESIGN.md table and issue 5),
// and Drover's own goals. One place, so the printer, the JSON and the README say the same thing.

export interface Anchor {
  /** What the outside world published. */
  anchor: string;
  /** What Drover aims for; '' when the figure is informative only. */
  goal: string;
}

export const ANCHORS = {
  etcdPut1: {
    anchor: 'etcd single member ~583 put/s with 1 client (fsync bound)',
    goal: '>= etcd in the same run',
  },
  etcdPut16: { anchor: 'etcd measured in the same run', goal: '>= etcd in the same run' },
  mutatingP99: { anchor: 'Kubernetes SLO: mutating API call p99 <= 1 s', goal: 'p99 <= 1 s' },
  applyVsUpdate: {
    anchor: 'a plain update (PUT) of the same kind and content, same run',
    goal: 'apply p50 and p99 <= 3x update (#17)',
  },
  customObjectMemory: {
    anchor: "none published; kube-apiserver's watch cache holds every custom object in memory",
    goal: '',
  },
  namespacedList: {
    anchor: 'Kubernetes SLO: namespaced LIST p99 <= 5 s',
    goal: '<= 5 s',
  },
  watchDelivery: { anchor: 'etcd watch measured in the same run', goal: '' },
  fleetNodes: {
    anchor: 'Kubernetes 5,000 nodes/cluster; KubeEdge ~530 nodes per vCPU',
    goal: '10,000 boards on one hub',
  },
  fleetCpu: {
    anchor: 'bare aedes, 10k clients at 10 s QoS 1: ~15% of a core',
    goal: 'hub CPU <= 50% of one core',
  },
  fleetRss: { anchor: 'bare aedes, 10k clients: ~275 MB RSS', goal: '' },
  tlsCost: { anchor: 'same run, same fleet, plain MQTT listener', goal: '' },
  fleetNotReady: { anchor: 'Kubernetes: NotReady after 40 s grace', goal: '0 false NotReady' },
  fleetReadyTime: { anchor: 'none published (kubemark and Edgemark report steady state only)', goal: '' },
  heartbeatLatency: { anchor: 'mosquitto ~50,000 msg/s on an old desktop CPU', goal: '' },
  schedulerThroughput: {
    anchor: 'kube-scheduler SchedulingBasic 5000 nodes: ~500 pods/s on 36 threads; 100 pods/s real clusters',
    goal: '>= 2,000 pods/s on one core',
  },
  schedulerLatency: { anchor: 'kube-scheduler ~2 ms per pod at 500 pods/s', goal: '' },
  notReadyDrop: {
    anchor: 'Kubernetes has no drop signal: NotReady only after the 40 s node-monitor-grace-period',
    goal: '< 1 s (MQTT last will)',
  },
  notReadySilent: {
    anchor: 'Kubernetes node-monitor-grace-period 40 s: NotReady 40-50 s after the last status',
    goal: 'p99 <= 50 s (40 s grace + one 10 s heartbeat)',
  },
  notReadySinceHeartbeat: {
    anchor: 'Kubernetes: 40 s grace after the last status update',
    goal: '40 s grace + < 1 s',
  },
  agentRss: {
    anchor: 'KubeEdge edgecore ~70 MB; k3s agent >= 268 MB; balena supervisor 45-320 MB',
    goal: '<= 50 MB RSS',
  },
  agentCpu: { anchor: 'none published for idle edge agents', goal: '<= 0.5% of one core' },
  metricsCost: {
    anchor:
      "kubelet's cAdvisor (container housekeeping every 10-15 s): ~0.3 points of an idle minikube node's CPU (minikube#13166: 3.42% busy, 3.11% with it at 1 h); metrics-server ~1 mCPU (0.1% of a core) per node on top",
    goal: '',
  },
  podStartup: {
    anchor: 'Kubernetes SLO pod startup p99 <= 5 s (no image pull); KubeEdge p99 4.1 s',
    goal: 'p99 <= 1.5 s',
  },
  apiIdleBaseline: { anchor: 'the same calls against the same hub with no fleet, in the same run', goal: '' },
  firstRender: {
    anchor: 'Core Web Vitals: Largest Contentful Paint <= 2.5 s is "good"',
    goal: '<= 2.5 s with 10,000 boards',
  },
  interaction: {
    anchor: 'RAIL: respond to input within 100 ms; Core Web Vitals INP <= 200 ms is "good"',
    goal: '<= 100 ms',
  },
  frames: {
    anchor: 'W3C Long Tasks: a task over 50 ms blocks input; 60 fps is 16.7 ms a frame',
    goal: 'p99 frame <= 50 ms while scrolling',
  },
  pageHeap: { anchor: 'none published for fleet dashboards', goal: '' },
  fleetHubs: {
    anchor: 'one hub holds at most ~19,000 MQTT connections here (20,000 open files per process)',
    goal: '30,000 boards over 3 hubs on this machine (#8; 50,000 on more cores)',
  },
  hubsHold: {
    anchor: 'kube-controller-manager: a leader that cannot renew its lease (10 s deadline) exits',
    goal: 'no hub exits during the hold',
  },
  hubFailover: {
    anchor: 'Kubernetes: NotReady after the 40 s node-monitor-grace-period',
    goal: "a dead hub's boards on another hub within the grace, 0 NotReady",
  },
  natsServer: {
    anchor:
      "agents straight on nats-server's MQTT listener (an earlier probe here): 10,000 QoS 1 clients cost it a whole core and 550-900 MB",
    goal: '',
  },
  serviceDirect: { anchor: 'the same connection straight to the pod, same run', goal: '' },
  serviceProxy: {
    anchor:
      'kube-proxy userspace mode (removed in 1.26) was dropped for its per-connection cost; iptables DNAT measured in the same run',
    goal: '',
  },
  updateDowntime: {
    anchor: 'kubelet: stop, then pull (the whole download); balena supervisor: download, then switch',
    goal: 'window < 2 s, not growing with the image size (#18)',
  },
  updateDownload: { anchor: 'image size / link rate', goal: '' },
} satisfies Record<string, Anchor>;

export type AnchorName = keyof typeof ANCHORS;
