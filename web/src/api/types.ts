/** Short names for the generated schema types the UI uses. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Service = Schemas["ServiceView"];
export type ServicePage = Schemas["ListPage_ServiceView"];
export type CreateServiceBody = Schemas["CreateService"];
export type UpdateServiceBody = Schemas["UpdateService"];
export type MonitorState = Schemas["StateView"];
export type Stats = Schemas["Stats"];
export type StatsWindow = Schemas["Window"];
export type Series = Schemas["SeriesView"];
export type SeriesPoint = Schemas["SeriesPoint"];
export type DayBucket = Schemas["DayBucket"];
export type ResultPoint = Schemas["ResultPoint"];
export type CheckResult = Schemas["CheckResult"];
export type Incident = Schemas["IncidentView"];
export type Alert = Schemas["AlertView"];
export type User = Schemas["UserView"];
export type Summary = Schemas["Summary"];
export type Counts = Schemas["Counts"];
export type Sparkline = Schemas["Sparkline"];
export type SparkPoint = Schemas["SparkPoint"];
