{{/*
Deep merge of the map (index . 1) into the map (index . 0), in place. Unlike sprig's
mergeOverwrite, false, 0 and "" in the source do override (--set chained=false); lists are
replaced; null entries are skipped.
*/}}
{{- define "istio-cni.merge" -}}
{{- $dst := index . 0 -}}
{{- $src := index . 1 -}}
{{- range $k, $v := $src -}}
{{- if and (kindIs "map" $v) (kindIs "map" (index $dst $k)) -}}
{{- include "istio-cni.merge" (list (index $dst $k) $v) -}}
{{- else if not (kindIs "invalid" $v) -}}
{{- $_ := set $dst $k (deepCopy $v) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A profile file as YAML (Istio's zzz_profile.yaml: files/profile-<name>.yaml,
files/profile-compatibility-version-<v>.yaml, files/profile-platform-<name>.yaml), its `cni.`
part moved to the top level (Istio's files hold the values of several charts, this chart's under
`cni:`). Fails with Istio's message ("unknown profile demo2") when the chart has no such file.
Use: include "istio-cni.profile" (list $ "profile" "demo")
*/}}
{{- define "istio-cni.profile" -}}
{{- $root := index . 0 -}}
{{- $what := index . 1 -}}
{{- $name := toString (index . 2) -}}
{{- $file := printf "files/profile-%s.yaml" $name -}}
{{- if eq $what "compatibility version" -}}{{- $file = printf "files/profile-compatibility-version-%s.yaml" $name -}}{{- end -}}
{{- if eq $what "platform" -}}{{- $file = printf "files/profile-platform-%s.yaml" $name -}}{{- end -}}
{{- $text := $root.Files.Get $file -}}
{{- if not $text -}}
{{- if eq $what "platform" -}}
{{- fail (printf "unknown platform %q (known: gke, openshift, k3s, k3d, microk8s, minikube)" $name) -}}
{{- end -}}
{{- fail (cat "unknown" $what $name) -}}
{{- end -}}
{{- $p := fromYaml $text | default dict -}}
{{- $out := omit $p "cni" -}}
{{- include "istio-cni.merge" (list $out (get $p "cni" | default dict)) -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
The effective values, as YAML, in Istio's order: chart defaults, then the `profile`, the
`compatibilityVersion` and the `platform` files, then the user's top-level values, then the
user's `cni.` values (install.md §13, §13.5). Each of the three may also be given under `global.`.
Use: {{- $v := include "istio-cni.values" . | fromYaml }}
*/}}
{{- define "istio-cni.values" -}}
{{- $v := deepCopy (index .Values "_internal_defaults_do_not_set") -}}
{{- $user := omit .Values "_internal_defaults_do_not_set" "cni" -}}
{{- $cni := .Values.cni | default dict -}}
{{- $userGlobal := $user.global | default dict -}}
{{- $cniGlobal := $cni.global | default dict -}}
{{- $profile := coalesce $cni.profile $cniGlobal.profile $user.profile $userGlobal.profile "" -}}
{{- $compatibility := coalesce $cni.compatibilityVersion $cniGlobal.compatibilityVersion $user.compatibilityVersion $userGlobal.compatibilityVersion "" -}}
{{- $platform := coalesce $cni.platform $cniGlobal.platform $user.platform $userGlobal.platform "" -}}
{{- if $profile -}}
{{- include "istio-cni.merge" (list $v (include "istio-cni.profile" (list $ "profile" $profile) | fromYaml)) -}}
{{- end -}}
{{- if $compatibility -}}
{{- include "istio-cni.merge" (list $v (include "istio-cni.profile" (list $ "compatibility version" $compatibility) | fromYaml)) -}}
{{- end -}}
{{- if $platform -}}
{{- include "istio-cni.merge" (list $v (include "istio-cni.profile" (list $ "platform" $platform) | fromYaml)) -}}
{{- end -}}
{{- include "istio-cni.merge" (list $v $user) -}}
{{- include "istio-cni.merge" (list $v $cni) -}}
{{- $_ := set $v "platform" $platform -}}
{{- if or $v.ambient.enabled (eq $profile "ambient") -}}
{{- fail "ambient mode is not supported" -}}
{{- end -}}
{{- if not $v.cniBinDir -}}
{{- if or (eq $platform "gke") (contains "-gke" .Capabilities.KubeVersion.GitVersion) -}}
{{- $_ := set $v "cniBinDir" "/home/kubernetes/bin" -}}
{{- else -}}
{{- $_ := set $v "cniBinDir" "/opt/cni/bin" -}}
{{- end -}}
{{- end -}}
{{- toYaml $v -}}
{{- end -}}

{{/* true when namespaced objects are rendered (global.resourceScope all or namespace) */}}
{{- define "istio-cni.namespaced" -}}
{{- $v := include "istio-cni.values" . | fromYaml -}}
{{- if or (eq $v.global.resourceScope "all") (eq $v.global.resourceScope "namespace") }}true{{ end -}}
{{- end -}}

{{- define "istio-cni.clusterScoped" -}}
{{- $v := include "istio-cni.values" . | fromYaml -}}
{{- if or (eq $v.global.resourceScope "all") (eq $v.global.resourceScope "cluster") }}true{{ end -}}
{{- end -}}

{{- define "istio-cni.labels" -}}
{{- $v := include "istio-cni.values" . | fromYaml -}}
app: istio-cni
release: {{ .Release.Name | quote }}
istio.io/rev: {{ $v.revision | default "default" | quote }}
install.operator.istio.io/owning-resource: {{ $v.ownerName | default "unknown" | quote }}
operator.istio.io/component: Cni
app.kubernetes.io/name: istio-cni
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: istio
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | quote }}
{{- end -}}

{{/*
The image reference, as Istio's chart makes it: <hub>/<image>:<tag>[-<variant>], or image itself when it contains
"/" (Istio's rule). Ours also takes an image containing ":" or "@" as a full reference (istio-cni:native, as
`kind load` names a local image; Istio would render hub/istio-cni:native:tag). The only images published are the
native one, <hub>/istio-cni:<tag> (the only one that can install the plugin on a node), and <tag>-jvm (daemon and
CLI modes only): any variant fails the render instead of naming an image that does not exist.
*/}}
{{- define "istio-cni.image" -}}
{{- $v := include "istio-cni.values" . | fromYaml -}}
{{- $image := toString $v.image -}}
{{- if or (contains "/" $image) (contains ":" $image) (contains "@" $image) -}}
{{- $image -}}
{{- else -}}
{{- $hub := $v.hub | default $v.global.hub -}}
{{- $tag := toString ($v.tag | default $v.global.tag) -}}
{{- $variant := toString ($v.variant | default $v.global.variant) -}}
{{- if not $hub -}}
{{- fail "no image hub: set hub (or global.hub), or image to a full reference such as registry.example/istio-cni:0.1.0" -}}
{{- end -}}
{{- if not $tag -}}
{{- fail "no image tag: set tag (or global.tag), or image to a full reference such as registry.example/istio-cni:0.1.0" -}}
{{- end -}}
{{- if eq $variant "jvm" -}}
{{- fail "variant \"jvm\": the JVM image cannot install the CNI plugin on a node (only the native executable runs there); leave variant empty for the native image" -}}
{{- else if $variant -}}
{{- fail (printf "variant %q is not built for istio-cni-java (no %s/%s:%s-%s image): leave variant and global.variant empty for the native image, or set image to a full reference" $variant $hub $image $tag $variant) -}}
{{- end -}}
{{- printf "%s/%s:%s" $hub $image $tag -}}
{{- end -}}
{{- end -}}
