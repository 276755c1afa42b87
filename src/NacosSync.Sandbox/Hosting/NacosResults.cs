using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Hosting;

/// <summary>Responses shaped like Nacos's: plain text bodies and JSON with Nacos's own field names.</summary>
internal static class NacosResults
{
    /// <summary>Property names are written as declared (Nacos names), nulls included.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Text(string body, int status = StatusCodes.Status200OK) =>
        Results.Content(body, "text/plain;charset=UTF-8", Encoding.UTF8, status);

    public static IResult JsonBody(object body, int status = StatusCodes.Status200OK) =>
        Results.Json(body, Json, "application/json;charset=UTF-8", status);

    /// <summary>The v2 open API envelope.</summary>
    public static IResult V2(object? data) => JsonBody(new { code = 0, message = "success", data });

    public static IResult V2Error(int status, int code, string message, object? data = null) =>
        JsonBody(new { code, message, data }, status);

    /// <summary>A v1 parameter or state error: HTTP 400 <c>caused: ...;</c>.</summary>
    public static IResult Caused(string message, int status = StatusCodes.Status400BadRequest) => Text($"caused: {message};", status);

    public static string Serialize(object value) => JsonSerializer.Serialize(value, Json);
}
