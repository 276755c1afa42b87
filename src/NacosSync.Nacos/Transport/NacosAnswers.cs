using System.Text.Json;

namespace NacosSync.Nacos.Transport;

/// <summary>Reading Nacos answers: JSON bodies, the v2/v3 <c>Result</c> envelope, error messages.</summary>
internal static class NacosAnswers
{
    /// <summary>The <c>code</c> of a successful v2/v3 <c>Result</c> (<c>api/.../model/v2/ErrorCode.java</c>: <c>SUCCESS(0, "success")</c>).</summary>
    public const int Success = 0;

    public static JsonDocument ParseJson(string body, string what)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new NacosMalformedResponseException($"{what}: the answer is not JSON: {Truncate(body)}", ex);
        }
    }

    public static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>The v2 wrapper's <c>data</c>, when the answer is <c>{"code":..,"data":..}</c>; else the root.</summary>
    public static JsonElement Data(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && root.TryGetProperty("code", out _) ? data : root;

    /// <summary>
    /// A v3 answer, <c>Result {code, message, data}</c> (<c>api/.../model/v2/Result.java</c>). A v3
    /// controller answers some failures with HTTP 200 and a non-zero code (heartbeat 21003, config
    /// get 20004): the caller reads <see cref="NacosResult.Code"/> before <see cref="NacosResult.Data"/>.
    /// </summary>
    public static NacosResult ParseResult(NacosResponse response, string what)
    {
        var document = ParseJson(response.Body, what);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var code) || !code.TryGetInt32(out var value))
        {
            document.Dispose();
            throw new NacosMalformedResponseException($"{what}: not a Result {{code, message, data}}: {Truncate(response.Body)}");
        }

        var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";
        var data = root.TryGetProperty("data", out var d) ? d : default;
        return new NacosResult(document, value, message, data);
    }

    /// <summary>The message of an error answer: JSON <c>message</c>/<c>errMsg</c>/<c>error</c> (with a v3 Result's detail in <c>data</c>), else the text.</summary>
    public static string ServerMessage(string body)
    {
        var text = body.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                foreach (var name in (ReadOnlySpan<string>)["message", "errMsg", "error"])
                {
                    if (root.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(m.GetString()))
                    {
                        // NacosApiExceptionHandler: Result(detailErrCode, errAbstract, errMsg): the detail is in data.
                        return root.TryGetProperty("code", out _) && root.TryGetProperty("data", out var detail) && detail.ValueKind == JsonValueKind.String
                            && !string.IsNullOrEmpty(detail.GetString())
                            ? $"{m.GetString()}: {detail.GetString()}"
                            : m.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: use the text.
            }
        }

        return Truncate(text);
    }
}

/// <summary>A parsed v3 <c>Result</c>; owns the document <see cref="Data"/> lives in.</summary>
internal sealed class NacosResult(JsonDocument document, int code, string message, JsonElement data) : IDisposable
{
    public int Code { get; } = code;

    public string Message { get; } = message;

    /// <summary>The payload; <see cref="JsonValueKind.Undefined"/> when the answer had none.</summary>
    public JsonElement Data { get; } = data;

    public bool IsSuccess => Code == NacosAnswers.Success;

    /// <summary>Throws <see cref="NacosRejectedException"/> unless the code is <see cref="NacosAnswers.Success"/>.</summary>
    public NacosResult EnsureSuccess(string what)
    {
        if (!IsSuccess)
        {
            var detail = Data.ValueKind == JsonValueKind.String ? $": {Data.GetString()}" : "";
            throw new NacosRejectedException($"{what} answered code {Code}: {Message}{detail}", 200, $"{Message}{detail}");
        }

        return this;
    }

    public void Dispose() => document.Dispose();
}
