using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Hosting;

/// <summary>An <c>ErrorCode</c> of Nacos's v2/v3 API (api/src/main/java/com/alibaba/nacos/api/model/v2/ErrorCode.java).</summary>
internal readonly record struct V3ErrorCode(int Code, string Message)
{
    public static readonly V3ErrorCode ParameterMissing = new(10000, "parameter missing");
    public static readonly V3ErrorCode ParameterValidateError = new(20002, "parameter validate error");
    public static readonly V3ErrorCode ResourceNotFound = new(20004, "resource not found");
    public static readonly V3ErrorCode InstanceNotFound = new(21003, "instance not found");
    public static readonly V3ErrorCode InstanceError = new(21004, "instance error");
    public static readonly V3ErrorCode IllegalNamespace = new(22000, "illegal namespace");
    public static readonly V3ErrorCode NamespaceAlreadyExist = new(22002, "namespace already exist");
    public static readonly V3ErrorCode IllegalState = new(23000, "illegal state");
    public static readonly V3ErrorCode ServerError = new(30000, "server error");
    public static readonly V3ErrorCode ApiDeprecated = new(40000, "API deprecated.");
}

/// <summary>
/// Answers of the v3 API: the <c>Result</c> envelope <c>{code, message, data}</c> (api/.../model/v2/Result.java),
/// the errors <c>NacosApiExceptionHandler</c> writes, and Spring Boot's error JSON for filter rejections.
/// </summary>
internal static class V3Results
{
    /// <summary><c>Result.success(data)</c>: code 0, message "success".</summary>
    public static IResult Ok(object? data) => NacosResults.JsonBody(new { code = 0, message = "success", data });

    /// <summary>
    /// <c>Result.failure(errorCode, data)</c> returned by a controller: the HTTP status is 200 (e.g. a heartbeat for an
    /// unknown instance, a client config get that finds nothing).
    /// </summary>
    public static IResult Failure(V3ErrorCode error, object? data = null) =>
        NacosResults.JsonBody(new { code = error.Code, message = error.Message, data });

    /// <summary>
    /// A thrown <c>NacosApiException(status, errorCode, detail)</c>, as <c>NacosApiExceptionHandler</c> writes it:
    /// HTTP <paramref name="status"/>, <c>{code, message: the code's text, data: the detail}</c>.
    /// </summary>
    public static IResult ApiError(int status, V3ErrorCode error, string detail) =>
        NacosResults.JsonBody(new { code = error.Code, message = error.Message, data = detail }, status);

    /// <summary>A missing required parameter (<c>InstanceForm.validate</c>, <c>ConfigForm.validate</c>): HTTP 400, code 10000.</summary>
    public static IResult Missing(string name, string type = "String") =>
        ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterMissing, $"Required parameter '{name}' type {type} is not present");

    /// <summary>
    /// A thrown plain <c>NacosException(status, message)</c> in an <c>@NacosApi</c> controller
    /// (<c>NacosApiExceptionHandler.handleNacosException</c>): that status, code 30000, the message as data.
    /// </summary>
    public static IResult ServerError(int status, string detail) => ApiError(status, V3ErrorCode.ServerError, detail);

    /// <summary>
    /// What a servlet filter's <c>response.sendError(status, message)</c> turns into: Spring Boot's error JSON
    /// (<c>server.error.include-message=ALWAYS</c> in Nacos's application.properties, so the message is kept).
    /// </summary>
    public static Task WriteSpringErrorAsync(HttpContext context, TimeProvider clock, int status, string error, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(SpringError(context, clock, status, error, message), NacosResults.Json, "application/json", context.RequestAborted);
    }

    private static Dictionary<string, object> SpringError(HttpContext context, TimeProvider clock, int status, string error, string message) => new()
    {
        ["timestamp"] = clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
        ["status"] = status,
        ["error"] = error,
        ["message"] = message,
        ["path"] = context.Request.Path.Value ?? "",
    };
}
