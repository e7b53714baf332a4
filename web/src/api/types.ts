// Response shapes of the API routes the UI uses, from the server's OpenAPI document
// (openapi.gen.ts, written by `npm run gen:api`; a test fails when it is stale).
import type { components } from './openapi.gen'

type Schemas = components['schemas']

export type Me = Schemas['Me']

export type Project = Schemas['Project']
export type ProjectListItem = Schemas['ProjectListItem']
export type ServiceSummary = Schemas['ServiceSummary']
export type ProjectDetail = Schemas['ProjectDetail']
export type Service = Schemas['Service']

export type ComposeVersion = Schemas['ComposeVersion']
export type SavedVersion = Schemas['SavedVersion']
export type VersionListItem = Schemas['VersionListItem']
export type VersionList = Schemas['VersionList']
export type ComposeDiff = Schemas['ComposeDiff']
export type ComposeValidation = Schemas['ComposeValidation']

export type EnvVariable = Schemas['EnvVariable']
export type EnvList = Schemas['EnvList']
export type GitSource = Schemas['GitSource']

export type Parameter = Schemas['Parameter']
export type ParameterType = Parameter['type']
export type ParameterList = Schemas['ParameterList']
export type SavedParameters = Schemas['SavedParameters']

export type AuditItem = Schemas['AuditItem']
export type AuditPage = Schemas['AuditPage']

export type Token = Schemas['Token']
export type CreatedToken = Schemas['CreatedToken']

export type TemplateSummary = Schemas['TemplateSummary']
export type Template = Schemas['Template']
export type TemplateDeployment = Schemas['TemplateDeployment']
export type ServiceTemplate = Schemas['ServiceTemplate']
export type TemplateImport = Schemas['TemplateImport']
export type TemplateUpgrade = Schemas['TemplateUpgrade']

export type ProxyFile = Schemas['ProxyFile']
export type ProxyFileContent = Schemas['ProxyFileContent']
