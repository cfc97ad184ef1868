{{/* The chart's name, or nameOverride. */}}
{{- define "leasehold.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name, the name of most of its objects: the release name alone when it already contains the
chart name (release "leasehold" gives "leasehold", not "leasehold-leasehold").
*/}}
{{- define "leasehold.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The name of a cluster-scoped object: with the release namespace, so that releases of the same name in two
namespaces (each watching its own namespaces) do not collide.
*/}}
{{- define "leasehold.clusterName" -}}
{{- list .Release.Namespace (include "leasehold.fullname" .) | compact | join "-" | trunc 200 | trimSuffix "-" }}
{{- end }}

{{- define "leasehold.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels of every object of the release. */}}
{{- define "leasehold.commonLabels" -}}
helm.sh/chart: {{ include "leasehold.chart" . }}
app.kubernetes.io/name: {{ include "leasehold.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: leasehold
{{- end }}

{{/* The labels of the operator's own objects (not of the CRDs and the admission policy, which outlive it). */}}
{{- define "leasehold.labels" -}}
{{ include "leasehold.commonLabels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{/* What the operator's Pods are selected by; never change it in an upgrade (a Deployment's selector is fixed). */}}
{{- define "leasehold.selectorLabels" -}}
app.kubernetes.io/name: {{ include "leasehold.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "leasehold.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "leasehold.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "leasehold.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* QUARKUS_OPERATOR_SDK_NAMESPACES: the watched namespaces, or JOSDK's marker for all of them. */}}
{{- define "leasehold.watchNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else }}
{{- print "JOSDK_ALL_NAMESPACES" }}
{{- end }}
{{- end }}

{{/*
What the operator does in a namespace it watches: reconcile ReplicatedStores and Leases (status through the status
subresource; a Lease carries the finalizer leasehold.dev/claim until its session has ended, a store's owned objects
go by garbage collection), own a store's ServiceAccount, ConfigMap, Services, StatefulSet and PodDisruptionBudget,
label the voters' Pods, restart them one at a time in a roll, and record events. Nothing on Secrets.
*/}}
{{- define "leasehold.namespacedRules" -}}
- apiGroups: ["leasehold.dev"]
  resources: ["replicatedstores", "leases"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["leasehold.dev"]
  resources: ["replicatedstores/status", "leases/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["configmaps", "services", "serviceaccounts"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  # patch: the voter label; delete: one member at a time in a rolling restart
  verbs: ["get", "list", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* At start-up the operator reads its two CRDs (by name: no list) to check that they are installed. */}}
{{- define "leasehold.crdRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  resourceNames: ["replicatedstores.leasehold.dev", "leases.leasehold.dev"]
  verbs: ["get"]
{{- end }}
