using System.Text;
using System.Text.Json;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// One HTTP exchange with one node: the URL (context path, query, token), the form body, the
/// identity header, the per-request timeout, and the mapping of the answer to a result or to one of
/// the <see cref="NacosException"/>s. A 2xx body is handed to a reader while it streams in, so a
/// big answer (the catalog) is never held whole.
/// </summary>
internal sealed class NacosHttpExchange(NacosTransportOptions options, HttpClient httpClient)
{
    private readonly string _contextPath = ContextPathOf(options.ContextPath);

    /// <summary>Sends and reads the whole 2xx body as text.</summary>
    public Task<NacosResponse> SendAsync(Uri node, NacosRequest request, string? token, CancellationToken cancellationToken) =>
        SendAsync(node, request, token, ReadTextAsync, cancellationToken);

    /// <summary>Sends and hands a 2xx body to <paramref name="read"/> as it streams in (within the request's timeout).</summary>
    public async Task<T> SendAsync<T>(Uri node, NacosRequest request, string? token, Func<HttpResponseMessage, Stream, Uri, CancellationToken, ValueTask<T>> read,
        CancellationToken cancellationToken)
    {
        using var message = BuildMessage(node, request, token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = request.Timeout ?? options.RequestTimeout;
        timeout.CancelAfter(limit);
        try
        {
            using var response = await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                throw Refusal(node, request, (int)response.StatusCode, body);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            return await read(response, stream, node, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NacosUnreachableException($"{options.Name}: {request} to {node} timed out after {limit.TotalSeconds:0.#} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new NacosUnreachableException($"{options.Name}: {request} to {node} failed: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new NacosUnreachableException($"{options.Name}: {request} to {node} broke off while reading the answer: {ex.Message}", ex);
        }
        catch (JsonException ex)
        {
            throw new NacosMalformedResponseException($"{options.Name}: {request} to {node}: the answer is not the JSON expected: {ex.Message}", ex);
        }
    }

    private static async ValueTask<NacosResponse> ReadTextAsync(HttpResponseMessage response, Stream stream, Uri node, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            headers[header.Key] = string.Join(",", header.Value);
        }

        return new NacosResponse(response.StatusCode, body, node, headers);
    }

    private NacosException Refusal(Uri node, NacosRequest request, int status, string body)
    {
        var serverMessage = NacosAnswers.ServerMessage(body);
        return status is 401 or 403
            ? new NacosUnauthorizedException($"{options.Name}: {request} to {node} answered {status}: {serverMessage}", status) { ServerMessage = serverMessage }
            : new NacosRejectedException($"{options.Name}: {request} to {node} answered {status}: {serverMessage}", status, serverMessage);
    }

    private HttpRequestMessage BuildMessage(Uri node, NacosRequest request, string? token)
    {
        var inQuery = request.Method == HttpMethod.Get || request.Method == HttpMethod.Delete;
        var url = new StringBuilder(128).Append(node.GetLeftPart(UriPartial.Authority)).Append(_contextPath).Append(request.Path);
        var separator = '?';
        if (inQuery)
        {
            foreach (var (key, value) in request.Parameters)
            {
                url.Append(separator).Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        if (token is not null)
        {
            url.Append(separator).Append("accessToken=").Append(Uri.EscapeDataString(token));
        }

        var message = new HttpRequestMessage(request.Method, url.ToString());
        if (!inQuery)
        {
            message.Content = new FormUrlEncodedContent(request.Parameters);
        }

        if (!string.IsNullOrEmpty(options.IdentityKey) && !string.IsNullOrEmpty(options.IdentityValue))
        {
            message.Headers.TryAddWithoutValidation(options.IdentityKey, options.IdentityValue);
        }

        foreach (var (key, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        return message;
    }

    private static string ContextPathOf(string contextPath)
    {
        var path = "/" + contextPath.Trim('/');
        return path == "/" ? "" : path;
    }
}
