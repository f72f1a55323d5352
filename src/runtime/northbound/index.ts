export { startVenClient, type PollResult, type VenClient, type VenClientOptions, type VenStats } from './ven-client.js';
export { mirror, type MirrorOptions, type MirrorResult, type MirrorTarget } from './mirror.js';
export { localEventBody, localId, localProgramBody, tagOf, UPSTREAM_TAG, type ReportState, type UpstreamTag } from './mirror-map.js';
export { buildReport, REPORT_PAYLOAD_DESCRIPTORS, type MeasuredSite, type ReportInput } from './report-body.js';
export { NOTIFY_PATH, startSubscriber, type Subscriber, type SubscriberOptions } from './subscriber.js';
export { VtnHttp, type VtnHttpOptions, type VtnResponse } from './vtn-http.js';
